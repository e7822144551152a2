"""Reading a file for fixing and writing it back: bytes in, bytes out, with
the file's encoding (PEP 263 cookie, BOM) and newlines kept, and written
atomically (a temporary file in the same folder, then os.replace), so a
reader or a second `fix` run never sees a half-written file."""
import io
import os
import shutil
import tempfile
import tokenize
from typing import Tuple


class FileChanged(Exception):
    """The file changed between reading and writing: it is left alone."""


def read_for_fix(path: str) -> Tuple[bytes, str, str]:
    """(bytes, text, encoding). The text keeps the file's newlines; a UTF-8
    BOM is dropped from the text and comes back on writing ('utf-8-sig').
    Raises UnicodeDecodeError / SyntaxError (bad cookie) / OSError."""
    with open(path, "rb") as fh:
        data = fh.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data, data.decode(encoding), encoding


def write_atomically(path: str, text: str, encoding: str, expected: bytes):
    target = os.path.realpath(path)      # a symlink keeps pointing at the fixed file
    payload = text.encode(encoding)
    with open(target, "rb") as fh:
        if fh.read() != expected:
            raise FileChanged(f"{path} changed while it was being fixed")
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(target),
                                     prefix=f".{os.path.basename(target)}.", suffix=".fix")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        shutil.copymode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
