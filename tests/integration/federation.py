"""Two real Synapse homeservers federating over loopback, for federation tests.

Server A (``localhost:PORT``) and server B (``127.0.0.1:PORT``) each keep the plain-HTTP
client listener of :class:`~actionbot.localserver.LocalSynapse` and add a TLS federation
listener whose port is part of the server name, so no ``.well-known``/SRV lookup happens.
Their certificates come from a throwaway CA made here; each server trusts only that CA
for federation. Loopback is unblocked for federation (Synapse blocks it by default), and
the federation retry intervals are short so a restarted peer is reached within seconds
instead of minutes. See ``/work/shared/README.md`` ("Two federating homeservers").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from synapse.config.server import DEFAULT_IP_RANGE_BLOCKLIST

from actionbot.localserver import LocalSynapse, free_port
from tests.integration.matrix_user import MatrixUser

LOOPBACK_RANGES = ["127.0.0.0/8", "::1/128"]


@dataclass(frozen=True)
class LoopbackPKI:
    """A CA and one leaf certificate valid for every loopback name both servers use."""

    ca_path: Path
    cert_path: Path
    key_path: Path


def make_pki(directory: Path) -> LoopbackPKI:
    """Make a CA and a leaf (SAN ``DNS:localhost, IP:127.0.0.1, IP:::1``) in ``directory``.

    One leaf serves both servers: they differ by port, not by host, and Synapse checks
    the host part of the server name (a DNS name for A, an IP literal for B)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "actionbot test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = LoopbackPKI(
        ca_path=directory / "ca.pem",
        cert_path=directory / "leaf.pem",
        key_path=directory / "leaf.key",
    )
    pki.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert_path.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    pki.key_path.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pki.key_path.chmod(0o600)
    return pki


class FederatedSynapse(LocalSynapse):
    """A LocalSynapse that also federates: named ``<host>:<federation port>``, with a TLS
    federation listener and the loopback-only federation settings. Stopping and starting
    it again keeps its data directory, ports and name, like a real server outage."""

    def __init__(self, data_dir: Path, *, host: str, pki: LoopbackPKI) -> None:
        super().__init__(data_dir)
        self.federation_port = free_port()
        self.server_name = f"{host}:{self.federation_port}"
        self.pki = pki
        self.peers: list[str] = []

    def write_config(self) -> None:
        """The parent's config plus federation; rewritten on every start (same values)."""
        super().write_config()
        config: dict[str, Any] = yaml.safe_load(self.config_path.read_text())
        config["listeners"].append(
            {
                "port": self.federation_port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": True,
                "x_forwarded": False,
                "resources": [{"names": ["federation"], "compress": False}],
            }
        )
        config.update(
            {
                "tls_certificate_path": str(self.pki.cert_path),
                "tls_private_key_path": str(self.pki.key_path),
                "federation_custom_ca_list": [str(self.pki.ca_path)],
                # Synapse refuses loopback peers unless whitelisted; for an IP-literal
                # server name the ranges must also leave the blacklist.
                "ip_range_whitelist": LOOPBACK_RANGES,
                "ip_range_blacklist": [
                    r for r in DEFAULT_IP_RANGE_BLOCKLIST if r not in LOOPBACK_RANGES
                ],
                "trusted_key_servers": [],
                "federation_domain_whitelist": [self.server_name, *self.peers],
                # Test-only: a restarted peer is retried within seconds, not minutes.
                "federation": {
                    "client_timeout": "20s",
                    "max_short_retry_delay": "1s",
                    "max_long_retry_delay": "2s",
                    "destination_min_retry_interval": "2s",
                    "destination_max_retry_interval": "10s",
                },
            }
        )
        self.config_path.write_text(yaml.safe_dump(config))


@dataclass
class FederatedPair:
    """Server A (the bot's home) and server B (the far node's home)."""

    a: FederatedSynapse
    b: FederatedSynapse


@pytest.fixture(scope="module")
def federated_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FederatedPair]:
    """Both servers, started once per module and stopped at its end (even if a test
    left B stopped: ``stop`` is a no-op then)."""
    root = tmp_path_factory.mktemp("federation")
    pki = make_pki(root / "pki")
    a = FederatedSynapse(root / "a", host="localhost", pki=pki)
    b = FederatedSynapse(root / "b", host="127.0.0.1", pki=pki)
    a.peers, b.peers = [b.server_name], [a.server_name]
    a.start()
    try:
        b.start()
        try:
            yield FederatedPair(a=a, b=b)
        finally:
            b.stop()
    finally:
        a.stop()


def patient_through_outages(user: MatrixUser, max_wait: float = 2.0) -> MatrixUser:
    """Cap nio's retry back-off for ``user``'s client (default up to 60 s), so a client
    that stays on through its server's outage resumes syncing within seconds after it."""
    user.client.config = replace(user.client.config, max_timeout_retry_wait_time=max_wait)
    return user
