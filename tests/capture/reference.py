"""An independent reading of a capture file (`tshark -T fields`, full dissection) into SPEC §3."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from ntc_tui.records import (
    ARP,
    FAMILY_NONE,
    FAMILY_V4,
    FAMILY_V6,
    OTHER,
    PacketRecord,
    epoch_timestamp,
    ethertype_name,
    ip_protocol_name,
    parse_address,
)

FIELDS = (
    "frame.time_epoch",
    "frame.len",
    "eth.src",
    "sll.src.eth",
    "frame.protocols",
    "ip.src",
    "ip.dst",
    "ip.proto",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.nxt",
    "ipv6.hopopts.nxt",
    "ipv6.routing.nxt",
    "ipv6.fraghdr.nxt",
    "ipv6.dstopts.nxt",
    "arp.src.proto_ipv4",
    "arp.dst.proto_ipv4",
    "eth.type",
    "vlan.etype",
    "sll.etype",
)
Values = dict[str, list[str]]  # field -> its values, in packet order
# IPv6 extension header number -> the field holding its own next-header value
EXTENSION_FIELDS = {
    0: "ipv6.hopopts.nxt",
    43: "ipv6.routing.nxt",
    44: "ipv6.fraghdr.nxt",
    60: "ipv6.dstopts.nxt",
}


def _ipv6_transport(values: Values) -> int:
    taken = dict.fromkeys(EXTENSION_FIELDS.values(), 0)
    number = int(values["ipv6.nxt"][0])
    while number in EXTENSION_FIELDS:
        field = EXTENSION_FIELDS[number]
        if taken[field] >= len(values[field]):
            break
        number = int(values[field][taken[field]])
        taken[field] += 1
    return number


# outermost layer -> (source field, destination field, family, SPEC §3 protocol)
OUTER_LAYERS: dict[str, tuple[str, str, int, Callable[[Values], str]]] = {
    "ip": ("ip.src", "ip.dst", FAMILY_V4, lambda v: ip_protocol_name(int(v["ip.proto"][0]))),
    "ipv6": ("ipv6.src", "ipv6.dst", FAMILY_V6, lambda v: ip_protocol_name(_ipv6_transport(v))),
    "arp": ("arp.src.proto_ipv4", "arp.dst.proto_ipv4", FAMILY_V4, lambda v: ARP),
}


def record_from_fields(values: Values) -> PacketRecord:
    """The SPEC §3 record of one frame, from its `-T fields -E occurrence=a` values."""
    ts = epoch_timestamp(values["frame.time_epoch"][0])
    length = int(values["frame.len"][0])
    macs = values["eth.src"] or values["sll.src.eth"]
    mac = macs[0].lower() if macs else None
    layers = values["frame.protocols"][0].split(":")
    outer = next((layer for layer in layers if layer in OUTER_LAYERS), None)
    if outer is not None:
        src_field, dst_field, family, protocol = OUTER_LAYERS[outer]
        if values[dst_field]:
            src, dst = parse_address(values[src_field][0]), parse_address(values[dst_field][0])
            return PacketRecord(ts, length, family, src, dst, protocol(values), mac)
    ethertypes = values["eth.type"] + values["vlan.etype"] + values["sll.etype"]
    name = ethertype_name(int(ethertypes[-1], 16)) if ethertypes else OTHER
    return PacketRecord(ts, length, FAMILY_NONE, None, None, name, mac)


def reference_records(path: Path) -> list[PacketRecord]:
    """Every frame of ``path`` as SPEC §3 says it counts.

    Shares nothing with ntc_tui.capture: tshark dissects everything (tunnels, ICMP errors,
    transports); the outermost IP header is found from the order of `frame.protocols`, and the
    IPv6 extension-header chain is walked field by field in packet order.
    """
    argv = ["tshark", "-n", "-r", str(path), "-T", "fields", "-E", "occurrence=a"]
    argv += ["-E", "aggregator=,", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
    for field in FIELDS:
        argv += ["-e", field]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    records = []
    for line in output.splitlines():
        columns = line.split("\t")
        values = {
            field: [v for v in column.split(",") if v]
            for field, column in zip(FIELDS, columns, strict=True)
        }
        records.append(record_from_fields(values))
    return records
