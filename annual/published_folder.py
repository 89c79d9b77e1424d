"""A county's folder of published reports (a directory or a .zip), imported file by file.

Each `.pdf`/`.html` is read and, in its own transaction, stored under the agency its title
names (created under the county when missing): a file that fails anywhere leaves nothing, and
the others go on. A zip is read member by member into memory (never extracted to disk), within
limits on the number of members, their sizes and their names, so a zip bomb or a crafted path
is refused, not followed.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction

from . import rules
from .document import DocumentError
from .imports import PUBLISHED_FORMS, Source
from .models import AgencyKind, Report
from .placement import PlacementError, place_agency
from .published_import import ImportRefused, has_source, import_published_source

MAX_MEMBERS = 1000
MAX_TOTAL_BYTES = 500 * 1024 * 1024
# Starting a worker (a new interpreter that sets Django up) costs about as much as reading a few
# files: a small folder is read in this process.
POOL_FROM = 8

IMPORTED, IMPORTED_WITH_ERRORS, ALREADY, NOT_READ, NOT_IMPORTED = (
    "已导入",
    "已导入（勾稽不符）",
    "已导入过（同一文件）",
    "无法读取",
    "未导入",
)


class FolderError(Exception):
    """The folder or zip as a whole cannot be read; the message (Chinese) says why."""


@dataclass
class Outcome:
    file: str
    outcome: str
    reason: str = ""
    agency: str = ""
    year: int | None = None
    pages: int = 0
    cells: str = ""
    warnings: int = 0
    errors: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome in (NOT_READ, NOT_IMPORTED)

    def line(self) -> str:
        fields = [
            self.file,
            self.agency or "—",
            str(self.year or "—"),
            str(self.pages or "—"),
            self.cells or "—",
            str(self.warnings),
            str(self.errors),
            self.outcome + (f"：{self.reason}" if self.reason else ""),
        ]
        return "\t".join(fields)


HEADER = "\t".join(["文件", "机关", "年度", "页数", "读出格数", "警告", "勾稽错误", "结果"])


def _wanted(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in PUBLISHED_FORMS


def _member_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store names in GBK without saying so (no UTF-8 flag).
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def files_in(path: str) -> Iterator[tuple[str, bytes | str]]:
    """(shown name, bytes or a refusal) of every report file in the directory or zip at `path`."""
    if os.path.isdir(path):
        for root, dirs, names in os.walk(path):
            dirs.sort()
            for name in sorted(names):
                if _wanted(name):
                    full = os.path.join(root, name)
                    yield os.path.relpath(full, path), _read_limited(full, name)
        return
    if not zipfile.is_zipfile(path):
        raise FolderError(f"{path} 既不是文件夹，也不是 .zip 压缩包")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FolderError(f"{path} 不是可读取的 .zip 压缩包（{exc}）") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise FolderError(f"压缩包有 {len(infos)} 个文件，超过 {MAX_MEMBERS} 个，已拒绝读取")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_BYTES:
            raise FolderError(
                f"压缩包解压后共 {declared // (1024 * 1024)} MB，超过 {MAX_TOTAL_BYTES // (1024 * 1024)} MB，已拒绝读取"
            )
        total = 0
        for info in sorted(infos, key=lambda i: i.filename):
            name = _member_name(info)
            if not _wanted(name):
                continue
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                yield name, "压缩包内的路径不安全（绝对路径或含“..”），已跳过"
                continue
            limit = PUBLISHED_FORMS[os.path.splitext(name)[1].lower()][1]
            if info.file_size > limit:
                yield name, f"文件大小 {info.file_size} 字节，超过上限 {limit} 字节"
                continue
            try:
                with archive.open(info) as member:
                    # The declared size may lie: never read more than the limit allows.
                    data = member.read(limit + 1)
            except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError) as exc:
                yield name, f"无法从压缩包中读出（{exc}）"
                continue
            total += len(data)
            if len(data) > limit:
                yield name, f"文件解压后超过上限 {limit} 字节"
                continue
            if total > MAX_TOTAL_BYTES:
                raise FolderError(f"压缩包解压后超过 {MAX_TOTAL_BYTES // (1024 * 1024)} MB，已停止读取")
            yield name, data


def _read_limited(full: str, name: str) -> bytes | str:
    limit = PUBLISHED_FORMS[os.path.splitext(name)[1].lower()][1]
    try:
        size = os.path.getsize(full)
        if size > limit:
            return f"文件大小 {size} 字节，超过上限 {limit} 字节"
        with open(full, "rb") as fh:
            return fh.read(limit + 1)
    except OSError as exc:
        return f"无法读取文件（{exc.strerror}）"


def read_one(name: str, data: bytes) -> Source | str:
    """The file read as a report, or why it cannot be (pure: runs in a worker process)."""
    read = PUBLISHED_FORMS[os.path.splitext(name)[1].lower()][0]
    try:
        return read(data)
    except DocumentError as exc:
        return "；".join(exc.lines()[:3])


def import_one(
    name: str, data: bytes, parent: str, source: Source | str | None = None, kind: str = AgencyKind.DEPARTMENT
) -> Outcome:
    """Import one file (read here unless `source` is its reading); whatever fails, nothing of
    it is saved."""
    if source is None:
        source = read_one(name, data)
    if isinstance(source, str):
        return Outcome(name, NOT_READ, source)
    doc = source.document
    reading = source.published
    if reading is None:
        return Outcome(
            name, NOT_IMPORTED, "这是本系统定稿的 PDF（内嵌数据），请用 import_report 导入", doc["agency"], doc["year"]
        )
    errors = len(rules.blocking_findings(doc))
    outcome = Outcome(
        name,
        IMPORTED_WITH_ERRORS if errors else IMPORTED,
        "",
        doc["agency"],
        doc["year"],
        reading.pages,
        f"{reading.cells_read}/{reading.cells_expected}",
        len(reading.warnings),
        errors,
    )
    try:
        with transaction.atomic():
            agency, _ = place_agency(doc["agency"], parent, kind)
            existing = Report.objects.filter(agency=agency, year=doc["year"]).select_related("published_source").first()
            if existing is not None and has_source(existing) and existing.published_source.sha256 == _digest(data):
                outcome.outcome = ALREADY
                return outcome
            import_published_source(reading, data, os.path.basename(name), agency)
    except (PlacementError, ImportRefused) as exc:
        outcome.outcome, outcome.reason = NOT_IMPORTED, str(exc)
    return outcome


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _readings(files: list[tuple[str, bytes | str]], workers: int) -> Iterator[Source | str | None]:
    """Each file's reading, in order: read by `workers` processes (reading is pure Python and
    CPU-bound; the database writes stay in this process, one transaction per file)."""
    wanted = [(name, data) for name, data in files if isinstance(data, bytes)]
    if workers < 2 or len(wanted) < POOL_FROM:
        yield from (None for _ in files)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import django

    # Spawned, not forked: a forked child would share this process's database connection.
    with ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=django.setup
    ) as pool:
        read = pool.map(read_one, [n for n, _ in wanted], [d for _, d in wanted])
        for _, data in files:
            yield next(read) if isinstance(data, bytes) else None


def import_folder(
    path: str, parent: str, workers: int | None = None, kind: str = AgencyKind.DEPARTMENT
) -> Iterator[Outcome]:
    """One Outcome per report file in the folder or zip at `path`, imported under `parent`;
    the files are read by `workers` processes (default: one per CPU, at most 4)."""
    files = list(files_in(path))
    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    for (name, data), source in zip(files, _readings(files, workers), strict=True):
        if isinstance(data, str):
            yield Outcome(name, NOT_READ, data)
        else:
            yield import_one(name, data, parent, source, kind)
