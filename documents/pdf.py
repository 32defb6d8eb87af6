"""DOCX → PDF with LibreOffice headless (Debian libreoffice-writer-nogui), the one converter for the
letters and the annual report, so a PDF says exactly what its DOCX says.

Each conversion runs in a private temporary directory with its own LibreOffice profile
(-env:UserInstallation), so conversions in parallel do not collide, in its own process group, killed
whole after `timeout` seconds. Fonts: the offices' names (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312)
are mapped to the installed faces by fontconfig/fonts.conf beside this file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

FONTS_CONF = Path(__file__).resolve().parent / "fontconfig" / "fonts.conf"
INSTALL_HINT = "apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-cwtex-fs"


class PdfUnavailable(Exception):
    """LibreOffice is not installed: DOCX and txt still work; the message says what to install."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("本机没有安装 LibreOffice，无法生成PDF（DOCX和文本仍可下载）。请安装：%(hint)s")
                         % {"hint": INSTALL_HINT})


class PdfFailed(Exception):
    """LibreOffice ran and produced no PDF (or ran out of time); the message says what happened."""


class PdfCrashed(PdfFailed):
    """LibreOffice was ended by a signal (exit code 128 + N, or -N): docx_to_pdf tries once more."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAL_", "OOO_"))}
    env["HOME"] = str(home)  # LibreOffice writes caches under $HOME
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    env["LANG"] = env["LC_ALL"] = "C.UTF-8"
    return env


CRASH_RETRIES = 1  # a LibreOffice that aborted (a signal) is run once more, with a fresh profile


def docx_to_pdf(data: bytes, *, timeout: int) -> bytes:
    """The PDF of a DOCX; PdfUnavailable without LibreOffice, PdfFailed when it fails or times out.

    LibreOffice headless now and then aborts at start-up (SIGABRT, exit 134, seen with several
    conversions starting at once on a machine where it had never run): a crash is retried once in a
    new directory with a new profile; a timeout or an ordinary failure is not."""
    exe = soffice_path()
    if exe is None:
        raise PdfUnavailable()
    retries = CRASH_RETRIES
    while True:
        try:
            return _convert(exe, data, timeout=timeout)
        except PdfCrashed:
            if retries == 0:
                raise
            retries -= 1


def _convert(exe: str, data: bytes, *, timeout: int) -> bytes:
    with tempfile.TemporaryDirectory(prefix="gongkai-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        command = [
            exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--invisible",
            "--nologo", "--norestore", "--nodefault", "--nolockcheck",
            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work), str(source),
        ]
        proc = subprocess.Popen(  # noqa: S603 - a fixed command line, no shell, our own temp paths
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=_environment(work), cwd=work, start_new_session=True,
        )
        try:
            _out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise PdfFailed(_("LibreOffice 在%(seconds)s秒内未完成转换，已终止。") % {"seconds": timeout}) from None
        target = work / "document.pdf"
        if proc.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            detail = (err or b"").decode("utf-8", "replace").strip()[-300:]
            failure = PdfCrashed if proc.returncode < 0 or proc.returncode > 128 else PdfFailed
            raise failure(
                _("LibreOffice 未能生成PDF（退出码 %(code)s）：%(detail)s")
                % {"code": proc.returncode, "detail": detail}
            )
        return target.read_bytes()
