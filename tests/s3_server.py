"""An S3-compatible server for tests: moto's standalone server (``moto_server``, from
PyPI) in its own process on a free loopback port, its buckets empty at start.

moto keeps objects private unless an ACL says otherwise (an unsigned GET is refused with
403), as a real bucket with no public policy does; it does not check signatures'
expiry or the keys used (any access key is accepted)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import environ
from botocore.config import Config

from config.settings.storage import storages_from_env

ACCESS_KEY, SECRET_KEY, REGION = "kapstone-test", "kapstone-test-secret", "us-east-1"
START_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class S3Server:
    def __init__(self, log_path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "a")
        self.log_path = log_path
        command = [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1",
                   "-p", str(self.port)]
        self.proc = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited:\n" + log_path.read_text())
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("moto_server did not answer:\n" + log_path.read_text())
            time.sleep(0.1)
        self.client = boto3.client(
            "s3", endpoint_url=self.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def bucket(self, name: str) -> dict[str, str]:
        """Create an empty bucket; returns the environment that points Kapstone at it."""
        self.client.create_bucket(Bucket=name)
        return {
            "AWS_STORAGE_BUCKET_NAME": name,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
        }

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in the bucket, by key."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return {key: self.client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def storages_for(bucket_env: dict[str, str]) -> dict:
    """The STORAGES setting the site builds from ``bucket_env`` (for tests that point
    this process, not a child, at a bucket)."""
    env = environ.Env()
    env.ENVIRON = bucket_env
    return storages_from_env(env, debug=True)
