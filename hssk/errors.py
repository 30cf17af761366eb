"""Errors that reach a user: a Vietnamese message plus the technical detail."""

import errno
import re

import duckdb


class HsskError(Exception):
    """An error a user can act on. `message` is Vietnamese; `detail` is the technical reason."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message if not detail else f"{message} ({detail})")
        self.message = message
        self.detail = detail


class DatabaseInUse(HsskError, duckdb.IOException):
    """The database file is held by another program. Also a duckdb.IOException, which is what callers that open
    the database (the app's connection) already catch."""


_LOCK_RE = re.compile(r'Could not set lock on file "(?P<file>[^"]+)": Conflicting lock is held in (?P<program>.+?) '
                      r"\(PID (?P<pid>\d+)\)")
_DISK_FULL = ("no space left on device", "disk is full", "not enough space", "max_temp_directory_size",
              '"errno":"28"')


def database_error(exc: BaseException, doing: str = "ghi vào cơ sở dữ liệu") -> HsskError | None:
    """The Vietnamese explanation of a DuckDB (or OS) failure a user can act on — the database held by another
    program, a full disk — or None for any other failure (then it is a bug to report, not a message to make up)."""
    text = str(exc)
    if m := _LOCK_RE.search(text):
        program = m["program"].rsplit("/", 1)[-1]
        return DatabaseInUse(f"Cơ sở dữ liệu {m['file']} đang được một chương trình khác mở ({program}, PID {m['pid']}): "
                         "có thể là ứng dụng HSSK Workbench hoặc một lệnh khác đang chạy. Hãy đóng chương trình đó "
                         "(hoặc dừng ứng dụng) rồi thử lại.", text)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or any(s in text.lower() for s in _DISK_FULL):
        return HsskError(f"Ổ đĩa đã đầy: không thể {doing}. Cơ sở dữ liệu được giữ nguyên như trước; hãy giải phóng "
                         "dung lượng ổ đĩa (xoá tệp tạm, tệp xuất cũ) rồi thử lại.", text)
    return None


def explain_failure(exc: BaseException, doing: str) -> HsskError | None:
    """`database_error` of the failure or of what caused it: after a failed write DuckDB refuses every later
    statement of the transaction ("Current transaction is aborted"), and that later error is the one raised."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if explained := database_error(exc, doing):
            return explained
        exc = exc.__cause__ or exc.__context__
    return None
