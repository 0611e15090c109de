"""BER-TLV / DOL parsing and the PBOC read protocol against the virtual card, in-process."""
from __future__ import annotations

import datetime as dt

import pytest

from teller.devices.card_reader import tlv
from teller.devices.card_reader.pboc import (AID_CREDIT, AID_DEBIT, CardData, PbocReader, luhn_complete,
                                             luhn_valid)
from teller.devices.emulators.virtual_card import ATR_T0, ATR_T1, VirtualPbocCard
from teller.devices.errors import CardMute, MalformedData, UnsupportedCard

PAN = luhn_complete("621700123456789012")     # 19 digits, UnionPay debit BIN
PAN_2 = luhn_complete("622848001234567890")


# ------------------------------------------------------------------ TLV ----

def test_parse_nested_template_with_multibyte_tags():
    # GIVEN an FCI: 6F { 84 name, A5 { 50 label, 9F38 PDOL, BF0C { 9F4D } } }
    data = bytes.fromhex("6F1F" "8407A0000003330101" "A514" "5003414243" "9F3806" "9F66049F0206"
                         "BF0C03" "9F4D00")
    # WHEN it is parsed
    (fci,) = tlv.parse(data)
    # THEN the tree is rebuilt, two- and three-byte-class tags included
    assert fci.tag == 0x6F and fci.constructed
    assert fci.find(0x84).value == bytes.fromhex("A0000003330101")
    assert fci.find(0x50).value == b"ABC"
    assert tlv.parse_dol(fci.find(0x9F38).value) == (tlv.DolEntry(0x9F66, 4), tlv.DolEntry(0x9F02, 6))
    assert fci.find(0xBF0C).children[0].tag == 0x9F4D
    assert fci.find(0x4F) is None


def test_parse_long_form_lengths_and_skips_padding():
    # GIVEN a value of 200 bytes (length 81 C8) and one of 300 bytes (82 01 2C), with 00 padding between
    data = tlv.encode(0x5F20, b"A" * 200) + b"\x00\x00" + tlv.encode(0x9F4B, b"B" * 300)
    assert data[2:4] == b"\x81\xC8"
    # WHEN parsed
    objs = tlv.parse(data)
    # THEN both objects come back whole
    assert [(o.tag, len(o.value)) for o in objs] == [(0x5F20, 200), (0x9F4B, 300)]


def test_encode_then_parse_round_trips():
    built = tlv.encode(0x70, [tlv.encode(0x57, bytes(19)), tlv.encode(0x5F34, b"\x01")])
    (rec,) = tlv.parse(built)
    assert [c.tag for c in rec.children] == [0x57, 0x5F34]
    assert tlv.encode(0x70, [tlv.encode(c.tag, c.value) for c in rec.children]) == built


@pytest.mark.parametrize("hexdata, why", [
    ("5A0862170000", "value shorter than its length"),
    ("9F", "multi-byte tag cut after the first byte"),
    ("9F38", "tag with no length"),
    ("5A82", "long-form length with its bytes missing"),
    ("5A80", "indefinite length, forbidden in EMV"),
    ("5A850000000001", "five length bytes"),
    ("7005" "5A0362", "child overruns its template"),
])
def test_malformed_tlv_raises_malformed_data(hexdata, why):
    # GIVEN bytes that are not valid BER-TLV; WHEN parsed; THEN MalformedData with a teller message
    with pytest.raises(MalformedData) as info:
        tlv.parse(bytes.fromhex(hexdata))
    assert info.value.message and info.value.message_en


def test_dol_filler_pads_numbers_left_and_binary_right():
    # GIVEN a PDOL asking for amount (n, 6), TTQ (b, 4), currency (n, 2) and an unknown tag (3)
    dol = tlv.parse_dol(bytes.fromhex("9F0206" "9F6604" "5F2A02" "DF7103"))
    # WHEN filled from values of the wrong lengths
    out = tlv.fill_dol(dol, {0x9F02: b"\x12\x34", 0x9F66: b"\x36", 0x5F2A: b"\x01\x56"})
    # THEN numbers are right-aligned, binary left-aligned, unknowns zero
    assert out.hex() == "000000001234" + "36000000" + "0156" + "000000"


def test_dol_filler_truncates_overlong_values():
    dol = (tlv.DolEntry(0x9F02, 2), tlv.DolEntry(0x9F4E, 3))
    assert tlv.fill_dol(dol, {0x9F02: bytes.fromhex("000000012345"), 0x9F4E: b"TELLER"}) == b"\x23\x45TEL"


def test_parse_dol_rejects_truncated_dol():
    with pytest.raises(MalformedData):
        tlv.parse_dol(bytes.fromhex("9F02069F"))


# ---------------------------------------------------------------- Luhn ----

def test_luhn():
    assert luhn_valid(PAN) and len(PAN) == 19 and PAN.startswith("62")
    assert not luhn_valid(PAN[:-1] + str((int(PAN[-1]) + 1) % 10))


# ------------------------------------------------------------ the ATRs ----

def test_atrs_are_well_formed():
    # T=0: T0 = 0x6K announces TB1 and TC1 and K historical bytes, no TCK
    assert ATR_T0[0] == 0x3B and ATR_T0[1] >> 4 == 0x6 and len(ATR_T0) == 4 + (ATR_T0[1] & 0x0F)
    # T=1: TD1 offers protocol 1 and the TCK makes the XOR of T0..TCK zero
    assert ATR_T1[2] & 0x0F == 1 and len(ATR_T1) == 3 + (ATR_T1[1] & 0x0F) + 1
    check = 0
    for b in ATR_T1[1:]:
        check ^= b
    assert check == 0


# ---------------------------------------------------------- PBOC flow ----

@pytest.mark.parametrize("protocol", ["T=1", "T=0"])
def test_reads_debit_card(protocol):
    # GIVEN a personalised debit card speaking T=1 or T=0
    card = VirtualPbocCard(PAN, name="ZHANG/SAN", expiry="3006", pan_sequence="01", protocol=protocol)
    # WHEN the PBOC application is read over an in-process channel
    data = PbocReader(card).read()
    # THEN every field the teller needs is there
    assert data == CardData(pan=PAN, track2_equivalent=f"{PAN}D30062201000000000000",
                            expiry=dt.date(2030, 6, 30), pan_sequence="01", cardholder_name="ZHANG/SAN",
                            aid=AID_DEBIT.hex().upper(), application_label="PBOC DEBIT")
    assert data.expiry_yymm == "3006"
    assert data.masked_pan == PAN[:6] + "*" * 9 + PAN[-4:]
    # and the sequence was PSE, directory, SELECT AID, GPO, then the AFL's three records
    ins = [a[1] for a in card.apdu_log if a[1] != 0xC0]
    assert ins[0] == 0xA4 and 0xA8 in ins and ins.count(0xB2) >= 4


def test_t0_card_needs_get_response_and_le_correction():
    # GIVEN a T=0 card
    card = VirtualPbocCard(PAN, protocol="T=0")
    # WHEN read
    PbocReader(card).read()
    # THEN case-4 answers were fetched with GET RESPONSE and READ RECORD was resent with the exact Le
    log = card.apdu_log
    assert any(a[:4] == bytes.fromhex("00C00000") for a in log)
    reads = [a for a in log if a[1] == 0xB2]
    assert any(a[-1] == 0 for a in reads) and any(a[-1] != 0 for a in reads)


def test_t0_card_answers_61xx_and_6cxx_itself():
    card = VirtualPbocCard(PAN, protocol="T=0")
    resp = card.transmit(bytes.fromhex("00A404000E") + b"1PAY.SYS.DDF01" + b"\x00")
    assert resp[0] == 0x61
    assert card.transmit(bytes([0x00, 0xC0, 0, 0, resp[1] + 1]))[0] == 0x6C
    full = card.transmit(bytes([0x00, 0xC0, 0, 0, resp[1]]))
    assert full[-2:] == b"\x90\x00" and full[0] == 0x6F


def test_card_rejects_unknown_ins_and_bad_p1p2():
    card = VirtualPbocCard(PAN)
    assert card.transmit(bytes.fromhex("00CA9F3600")) == b"\x6D\x00"
    assert card.transmit(bytes.fromhex("00A40C000E") + b"1PAY.SYS.DDF01") == b"\x6A\x86"
    assert card.transmit(bytes.fromhex("00B2010000")) == b"\x6A\x86"


def test_card_without_pse_is_found_through_the_unionpay_aid_list():
    # GIVEN a card that answers 6A82 to SELECT 1PAY.SYS.DDF01
    card = VirtualPbocCard(PAN_2, with_pse=False)
    assert card.transmit(bytes.fromhex("00A404000E") + b"1PAY.SYS.DDF01" + b"\x00") == b"\x6A\x82"
    # WHEN read
    data = PbocReader(card).read()
    # THEN the debit AID was selected directly
    assert data.pan == PAN_2 and data.aid == AID_DEBIT.hex().upper()
    assert data.cardholder_name is None


def test_credit_only_card_is_read_through_its_own_aid():
    card = VirtualPbocCard(PAN, with_pse=False, aid=AID_CREDIT.hex(), label="PBOC CREDIT")
    data = PbocReader(card).read()
    assert data.aid == AID_CREDIT.hex().upper() and data.application_label == "PBOC CREDIT"


def test_contactless_read_uses_ppse():
    card = VirtualPbocCard(PAN)
    data = PbocReader(card, contactless=True).read()
    assert data.pan == PAN
    assert b"2PAY.SYS.DDF01" in card.apdu_log[0]


@pytest.mark.parametrize("with_pse", [True, False])
def test_foreign_card_is_unsupported(with_pse):
    # GIVEN a Visa card (no UnionPay AID), listed in its PSE or not
    card = VirtualPbocCard(PAN, with_pse=with_pse, aid="A0000000031010", label="VISA DEBIT")
    # WHEN read; THEN UnsupportedCard with a teller message
    with pytest.raises(UnsupportedCard) as info:
        PbocReader(card).read()
    assert "不支持" in info.value.message


def test_malformed_record_raises_malformed_data():
    # GIVEN a card whose SFI 2 record 1 is truncated TLV (5A claims 10 bytes, has 3)
    card = VirtualPbocCard(PAN, record_overrides={(2, 1): bytes.fromhex("7005" "5A0A621700")})
    with pytest.raises(MalformedData):
        PbocReader(card).read()


def test_record_that_is_not_a_70_template_is_malformed():
    card = VirtualPbocCard(PAN, record_overrides={(1, 1): tlv.encode(0x77, tlv.encode(0x57, b"\x62"))})
    with pytest.raises(MalformedData):
        PbocReader(card).read()


def test_pan_failing_luhn_is_refused():
    bad = PAN[:-1] + str((int(PAN[-1]) + 1) % 10)
    card = VirtualPbocCard(PAN, record_overrides={(2, 1): tlv.encode(0x70, tlv.encode(0x5A, bytes.fromhex(bad + "F")))})
    with pytest.raises(MalformedData):
        PbocReader(card).read()


def test_pan_and_expiry_come_from_track2_when_5a_and_5f24_are_missing():
    # GIVEN a card whose SFI 2 record 1 carries only the sequence number
    card = VirtualPbocCard(PAN, expiry="2802",
                           record_overrides={(2, 1): tlv.encode(0x70, tlv.encode(0x5F34, b"\x02"))})
    data = PbocReader(card).read()
    # THEN PAN is split from tag 57 and the expiry is the month's last day
    assert data.pan == PAN and data.expiry == dt.date(2028, 2, 29) and data.pan_sequence == "02"


def test_mute_card_raises_card_mute():
    with pytest.raises(CardMute):
        PbocReader(VirtualPbocCard(PAN, mute=True)).read()


def test_gpo_sends_the_pdol_filled_with_terminal_data():
    # GIVEN terminal data with a known unpredictable number
    card = VirtualPbocCard(PAN)
    PbocReader(card, terminal_data={0x9F37: bytes.fromhex("CAFEBABE")}).read()
    gpo = next(a for a in card.apdu_log if a[:2] == b"\x80\xA8")
    # THEN the 83 template holds TTQ(4) amount(6) UN(4) currency(2) in PDOL order
    assert gpo[5:7] == b"\x83\x10"
    assert gpo[7 + 4 + 6:7 + 4 + 6 + 4] == bytes.fromhex("CAFEBABE")
    assert gpo[-3:-1] == b"\x01\x56"
