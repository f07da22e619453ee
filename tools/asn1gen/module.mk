# tools/asn1gen: the ASN.1 -> C generator of the S1AP codec (asn1/).  Its
# own test parses and generates a small 3GPP-style module, compiles the
# output against the APER runtime and round-trips a message.
SCRIPT_TESTS += tools/asn1gen/test_asn1gen.py
