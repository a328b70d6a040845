"""Packet capture and parsing: the only place pyshark is imported (tshark.py), plus text parsers."""
