"""Stored files (approved PDFs, cached drafts, county archives) behind Django's storage API.

The backend is `STORAGES["default"]`: a directory on disk by default, any S3-compatible store
through django-storages when configured (see README). Names are content-addressed where it
matters (the approved PDF's name carries its SHA-256), so two runs of the same job never
overwrite each other's file, and every read is checked against the recorded digest.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


class StoredFileError(Exception):
    """A stored file cannot be written or read back intact; the message (Chinese) is for users."""


# The refusals an administrator can act on, said in words: the OS's own text ("No space left on
# device") is English and does not say what to do.
WRITE_REFUSALS = {
    errno.ENOSPC: "存储空间已满。请管理员清理或扩充存储空间后重试。",
    errno.EDQUOT: "存储空间已满（超出磁盘配额）。请管理员清理或提高配额后重试。",
    errno.EROFS: "存储为只读。请管理员检查存储的挂载状态和写权限后重试。",
    errno.EACCES: "没有写权限。请管理员检查存储目录的写权限后重试。",
    errno.EPERM: "没有写权限。请管理员检查存储目录的写权限后重试。",
}


def write(name: str, data: bytes) -> str:
    """Store `data` under `name` (or the name the backend chose) and return the stored name.

    Raises `StoredFileError` when the storage refuses the write (disk full, read-only, bucket
    unreachable), naming the cause in Chinese. A refused write leaves no partial file behind.
    """
    # Only a file this write creates may be cleaned up after it; one already there is not ours.
    new_path = _local_path(name)
    if new_path is not None and os.path.lexists(new_path):
        new_path = None
    try:
        return default_storage.save(name, ContentFile(data))
    except OSError as exc:
        if new_path is not None:
            _remove_partial(new_path, len(data))
        if exc.errno in WRITE_REFUSALS:
            raise StoredFileError(f"文件存储写入失败：{WRITE_REFUSALS[exc.errno]}") from exc
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


def _local_path(name: str) -> str | None:
    try:
        return default_storage.path(name)
    except NotImplementedError:  # object stores: an upload that fails leaves no object behind
        return None


def _remove_partial(path: str, size: int) -> None:
    """Delete the truncated file a failed write left at `path` (which did not exist before it).

    On a full disk Django's FileSystemStorage leaves what it managed to write; kept, it would
    take the name (the retry's file would get another one) and the space the retry needs. It is
    kept when another writer holds its lock (Django writes under flock: a run of the same job is
    still writing it) or when it has the full size (that run finished: same name, same bytes).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_size != size:
            os.remove(path)
    except OSError:  # locked by its writer, or already gone: nothing of ours to remove
        pass
    finally:
        os.close(fd)


def delete_quietly(name: str) -> None:
    """Remove a file that is no longer needed; a failure only leaves an orphan behind."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # noqa: BLE001, S110 - an orphan file is harmless, a failed eviction is not an error
        pass
