"""The provisioning scripts behind `make demo`: their refusals must say what to do."""

import os
import shutil
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROVISION = ROOT / "config" / "provision"


def test_serving_on_a_taken_port_names_the_port_and_how_to_choose_another(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [str(PROVISION / "serve.sh"), "start"],
            env={**os.environ, "PORT": str(port), "RUN_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode != 0
    assert f"port {port} is taken" in result.stderr
    assert "PORT=" in result.stderr


def test_without_apt_the_missing_packages_are_listed_and_make_stops(tmp_path):
    # A machine with no dpkg and no apt-get: every package counts as missing.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "grep", "python3", "id", "bash", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = subprocess.run(
        ["bash", str(PROVISION / "system.sh")],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "not a Debian-like system" in result.stderr
    for package in (
        "postgresql-15-postgis-3",
        "postgresql-15-pgrouting",
        "gdal-bin",
        "redis-server",
    ):
        assert package in result.stderr
