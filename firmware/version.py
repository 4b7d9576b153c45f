"""Identity of the software, printed on every document (6.7) and on demand (5.2.3.1)."""

SOFTWARE_NAME = "FiscalTerm"
SOFTWARE_VERSION = "0.1.0"
CERTIFICATE_CATEGORY = "B"
# The product is not certified yet: documents say so rather than invent a number.
CERTIFICATE_NUMBER = "en cours"
