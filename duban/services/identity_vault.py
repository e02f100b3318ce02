"""The reporter's identity, encrypted at rest with a key kept outside the database.

DUBAN_REPORT_KEY (a Fernet key) or DUBAN_REPORT_KEY_FILE (a file holding it). Without a
key duban still runs: reports are registered anonymously and identities show as sealed;
registering an identity, or revealing one, needs the key.
"""

from __future__ import annotations

import json
import os

from duban.errors import BadInput


def key() -> bytes | None:
    if os.environ.get("DUBAN_REPORT_KEY"):
        return os.environ["DUBAN_REPORT_KEY"].strip().encode()
    name = os.environ.get("DUBAN_REPORT_KEY_FILE")
    if not name:
        return None
    try:
        with open(name, encoding="ascii", errors="replace") as fh:
            return fh.read(4096).strip().encode()
    except OSError as exc:
        raise BadInput(f"无法读取举报人信息密钥文件 {name}：{exc.strerror}") from None


def _fernet(required_for: str):
    from cryptography.fernet import Fernet

    value = key()
    if value is None:
        raise BadInput(f"未配置举报人信息密钥（DUBAN_REPORT_KEY 或 DUBAN_REPORT_KEY_FILE），不能{required_for}")
    try:
        return Fernet(value)
    except ValueError:
        raise BadInput("举报人信息密钥无效：可用 duban tip keygen 生成") from None


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def seal(identity: dict) -> str:
    return _fernet("登记举报人信息").encrypt(json.dumps(identity, ensure_ascii=False).encode()).decode()


def unseal(token: str) -> dict:
    from cryptography.fernet import InvalidToken

    try:
        return json.loads(_fernet("查看举报人信息").decrypt(token.encode()))
    except InvalidToken:
        raise BadInput("举报人信息无法解密：密钥与加密时所用的不一致") from None
