# tools/s1ap-decode: print S1AP PDUs (hex arguments, hex lines, or a pcap)
# IE by IE with the asn1/ codec.
PROGRAMS += s1ap-decode
s1ap-decode_SRCS := tools/s1ap-decode/main.c tools/s1ap-decode/s1ap_print.c \
                    tools/s1ap-decode/s1ap_pcap.c
s1ap-decode_LIBS := s1ap xepc
s1ap-decode_LDLIBS :=

SCRIPT_TESTS += tools/s1ap-decode/s1ap_decode_test.sh

# the pcap/pcapng reader parses files from the network: fuzz it
FUZZERS += fuzz_s1ap_pcap
fuzz_s1ap_pcap_SRCS := tools/s1ap-decode/fuzz_s1ap_pcap.c tools/s1ap-decode/s1ap_pcap.c \
                       tools/s1ap-decode/s1ap_print.c
fuzz_s1ap_pcap_LIBS := s1ap
