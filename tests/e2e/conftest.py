"""Fixtures of the end-to-end tests: the real Atende window driven through WebDriver.

tauri-driver (on :4444) starts WebKitWebDriver, which starts the debug build of the app on a
small demo workspace in a fresh data directory. Run under Xvfb and a private D-Bus session:
see run.sh.
"""

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = ROOT / "target" / "debug" / "atende"
SHOTS = ROOT / "tests" / "e2e" / "screenshots"
PORT = 4444


def _wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"tauri-driver did not listen on :{port}")


@pytest.fixture(scope="session")
def app():
    assert APP.exists(), f"build the app first: cargo build -p atende ({APP})"
    data = tempfile.mkdtemp(prefix="atende-e2e-")
    env = dict(os.environ, ATENDE_DEMO_SIZE="small", ATENDE_DATA_DIR=data, RUST_LOG="warn")
    env.pop("ATENDE_API_URL", None)
    env.pop("ATENDE_API_TOKEN", None)
    driver_bin = shutil.which("tauri-driver") or str(pathlib.Path.home() / ".cargo/bin/tauri-driver")
    proc = subprocess.Popen([driver_bin, "--port", str(PORT)], env=env)
    try:
        _wait_port(PORT, 20)
        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(APP)})
        drv = webdriver.Remote(f"http://127.0.0.1:{PORT}", options=opts)
        drv.set_window_size(1280, 800)
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield drv
        drv.quit()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data, ignore_errors=True)
