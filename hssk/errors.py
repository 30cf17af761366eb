"""Errors that reach a user: a Vietnamese message plus the technical detail."""

import errno
import re


class HsskError(Exception):
    """An error a user can act on. `message` is Vietnamese; `detail` is the technical reason."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message if not detail else f"{message} ({detail})")
        self.message = message
        self.detail = detail


_LOCK_RE = re.compile(r'Could not set lock on file "(?P<file>[^"]+)": Conflicting lock is held in (?P<program>.+?) '
                      r"\(PID (?P<pid>\d+)\)")
_DISK_FULL = ("no space left on device", "disk is full", "not enough space", "could not write file",
              "max_temp_directory_size")


def database_error(exc: BaseException, doing: str = "ghi vào cơ sở dữ liệu") -> HsskError | None:
    """The Vietnamese explanation of a DuckDB (or OS) failure a user can act on — the database held by another
    program, a full disk — or None for any other failure (then it is a bug to report, not a message to make up)."""
    text = str(exc)
    if m := _LOCK_RE.search(text):
        program = m["program"].rsplit("/", 1)[-1]
        return HsskError(f"Cơ sở dữ liệu {m['file']} đang được một chương trình khác mở ({program}, PID {m['pid']}): "
                         "có thể là ứng dụng HSSK Workbench hoặc một lệnh khác đang chạy. Hãy đóng chương trình đó "
                         "(hoặc dừng ứng dụng) rồi thử lại.", text)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or any(s in text.lower() for s in _DISK_FULL):
        return HsskError(f"Ổ đĩa đã đầy: không thể {doing}. Cơ sở dữ liệu được giữ nguyên như trước; hãy giải phóng "
                         "dung lượng ổ đĩa (xoá tệp tạm, tệp xuất cũ) rồi thử lại.", text)
    return None
