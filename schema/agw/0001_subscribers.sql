-- The local HSS (userspace/agw/hss.c; docs/agw.md, "Subscribers").
-- Keys are stored in clear: the database file is created mode 0600.

-- One row per subscriber.  sqn is the SQN of the last vector issued
-- (48 bits: SEQ_HE << 5 | IND, TS 33.102 C.1.1); the next vector takes
-- SEQ_HE + 1 and the next IND.  opc is always stored; op_derived tells
-- that it was computed from an OP at provisioning (the OP is not kept).
CREATE TABLE subscribers (
    imsi TEXT PRIMARY KEY NOT NULL
        CHECK (length(imsi) = 15 AND imsi NOT GLOB '*[^0-9]*'),
    k BLOB NOT NULL CHECK (length(k) = 16),
    opc BLOB NOT NULL CHECK (length(opc) = 16),
    op_derived INTEGER NOT NULL DEFAULT 0 CHECK (op_derived IN (0, 1)),
    amf BLOB NOT NULL CHECK (length(amf) = 2),
    sqn INTEGER NOT NULL DEFAULT 0 CHECK (sqn >= 0 AND sqn < 281474976710656),
    msisdn TEXT CHECK (msisdn IS NULL OR
        (length(msisdn) BETWEEN 1 AND 15 AND msisdn NOT GLOB '*[^0-9]*')),
    state TEXT NOT NULL DEFAULT 'active'
        CHECK (state IN ('active', 'inactive', 'barred')),
    ue_ambr_ul INTEGER CHECK (ue_ambr_ul IS NULL OR ue_ambr_ul > 0), -- bit/s; NULL: config
    ue_ambr_dl INTEGER CHECK (ue_ambr_dl IS NULL OR ue_ambr_dl > 0),
    updated_at INTEGER NOT NULL DEFAULT 0                            -- Unix time
) WITHOUT ROWID;

-- The APNs a subscriber may use, in order; NULL columns take the APN's
-- configured value.  No row at all: the gateway's default APN only.
CREATE TABLE subscriber_apns (
    imsi TEXT NOT NULL REFERENCES subscribers (imsi) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    apn TEXT NOT NULL COLLATE NOCASE,
    ambr_ul INTEGER CHECK (ambr_ul IS NULL OR ambr_ul > 0),         -- bit/s
    ambr_dl INTEGER CHECK (ambr_dl IS NULL OR ambr_dl > 0),
    qci INTEGER CHECK (qci IS NULL OR qci BETWEEN 1 AND 9 OR qci BETWEEN 65 AND 86),
    arp_priority INTEGER CHECK (arp_priority IS NULL OR arp_priority BETWEEN 1 AND 15),
    arp_capability INTEGER CHECK (arp_capability IS NULL OR arp_capability IN (0, 1)),
    arp_vulnerability INTEGER CHECK (arp_vulnerability IS NULL OR arp_vulnerability IN (0, 1)),
    static_ipv4 TEXT,                                                -- dotted quad
    PRIMARY KEY (imsi, apn)
) WITHOUT ROWID;

-- A static address belongs to one subscriber per APN.
CREATE UNIQUE INDEX subscriber_apns_static_ipv4
    ON subscriber_apns (apn, static_ipv4) WHERE static_ipv4 IS NOT NULL;
