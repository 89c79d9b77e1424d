"""Stored files (approved PDFs, cached drafts, county archives) behind Django's storage API.

The backend is `STORAGES["default"]`: a directory on disk by default, any S3-compatible store
through django-storages when configured (see README). Names are content-addressed where it
matters (the approved PDF's name carries its SHA-256), so two runs of the same job never
overwrite each other's file, and every read is checked against the recorded digest.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


class StoredFileError(Exception):
    """A stored file cannot be written or read back intact; the message (Chinese) is for users."""


def write(name: str, data: bytes) -> str:
    """Store `data` under `name` (or the name the backend chose) and return the stored name.

    Raises `StoredFileError` when the storage refuses the write (disk full, read-only, bucket
    unreachable), naming the cause in Chinese.
    """
    try:
        return default_storage.save(name, ContentFile(data))
    except OSError as exc:
        cause = exc.strerror or exc.__class__.__name__
        raise StoredFileError(f"文件存储写入失败（{cause}），请管理员检查存储空间和写权限。") from exc
    except Exception as exc:  # remote backends raise their own client errors
        raise StoredFileError(f"文件存储写入失败（{exc.__class__.__name__}），请管理员检查文件存储服务。") from exc


def read_verified(name: str, sha256: str) -> bytes:
    """The bytes stored under `name`, refused unless their SHA-256 is `sha256`."""
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise StoredFileError("定稿文件在存储中找不到，请联系管理员。") from exc
    except OSError as exc:
        raise StoredFileError(f"定稿文件读取失败（{exc.strerror or exc.__class__.__name__}），请联系管理员。") from exc
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StoredFileError("定稿文件与登记的 SHA-256 不一致，已拒绝提供下载，请联系管理员。")
    return data


def delete_quietly(name: str) -> None:
    """Remove a file that is no longer needed; a failure only leaves an orphan behind."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # noqa: BLE001, S110 - an orphan file is harmless, a failed eviction is not an error
        pass
