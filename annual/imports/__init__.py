"""Reading a report document from a file, by its extension.

`READERS` maps an extension to a function path -> valid document (DocumentError otherwise);
anything not listed is read as the JSON interchange document. Add a format with one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..document import load_file
from .xlsx import read_workbook_file

READERS: dict[str, Callable[[str], dict]] = {
    ".xlsx": read_workbook_file,
}


def read_document(path: str) -> dict:
    """The valid document in the file at `path`, read according to its extension."""
    return READERS.get(os.path.splitext(path)[1].lower(), load_file)(path)
