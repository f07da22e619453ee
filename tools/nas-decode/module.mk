# tools/nas-decode: print a NAS PDU field by field (plain or protected).
PROGRAMS += nas-decode
nas-decode_SRCS := tools/nas-decode/main.c
nas-decode_LIBS := nas sec xepc
nas-decode_LDLIBS := -lcrypto

SCRIPT_TESTS += tools/nas-decode/test_nas_decode.sh
# the test builds protected PDUs with the openssl command line
DEBIAN_PACKAGES += openssl
