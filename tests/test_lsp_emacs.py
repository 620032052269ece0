"""A real editor, Emacs with eglot in batch mode, driving ``gru-lint server``.

Skipped unless ``emacs`` can load eglot (built in since Emacs 29; Debian 12's Emacs 28
gets it from the ``elpa-eglot`` package). The server is given with the same contact
and options as the README's eglot set-up. Not installed by ``.ci/run`` (Neovim's test
covers a real client there); run it where Emacs is at hand.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls.lsp.server", reason="the lsp extra (pygls 2) is not installed")

EMACS = shutil.which("emacs")
TESTS = Path(__file__).resolve().parent
SEQ2SEQ = TESTS / "fixtures" / "fix" / "seq2seq_numpy_states.py"

SCRIPT = r"""
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (add-to-list 'load-path dir))
(require 'eglot)
(require 'json)
(defun gru-wait (pred)
  (let ((n 0))
    (while (and (< n 1200) (not (funcall pred)))
      (accept-process-output nil 0.05)
      (setq n (1+ n)))
    (funcall pred)))
(let* ((file (getenv "GRU_FILE"))
       (cmd (append (json-read-from-string (getenv "GRU_CMD")) nil))
       (contact (append cmd '(:initializationOptions (:ignore ["GRU003"]))))
       (result nil))
  (find-file file)
  (python-mode)
  (setq eglot-server-programs (list (cons '(python-mode python-ts-mode) contact)))
  (eglot '(python-mode) (cons 'transient default-directory) 'eglot-lsp-server contact "python")
  (push (cons "published" (if (gru-wait (lambda () (flymake-diagnostics))) t :json-false)) result)
  (push (cons "diagnostics"
              (vconcat (mapcar (lambda (d)
                                 (let ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))))
                                   (list (cons "code" (plist-get lsp :code))
                                         (cons "line" (line-number-at-pos (flymake-diagnostic-beg d))))))
                               (flymake-diagnostics))))
        result)
  (eglot-code-actions (point-min) (point-max) "source.fixAll.gru-lint" t)
  (save-buffer)
  (push (cons "cleared" (if (gru-wait (lambda () (null (flymake-diagnostics)))) t :json-false)) result)
  (eglot-shutdown (eglot-current-server))
  (with-temp-file (getenv "GRU_OUT") (insert (json-encode result))))
"""


def _has_eglot() -> bool:
    if EMACS is None:
        return False
    probe = subprocess.run(
        [EMACS, "--batch", "-Q", "--eval",
         '(progn (dolist (d (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))'
         " (add-to-list 'load-path d)) (require 'eglot))"],
        capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _has_eglot(), reason="Emacs with eglot is not installed")


def test_emacs_eglot_gets_diagnostics_and_fix_all(tmp_path):
    work = tmp_path / "seq2seq.py"
    work.write_bytes(SEQ2SEQ.read_bytes())
    script = tmp_path / "drive.el"
    script.write_text(SCRIPT)
    out = tmp_path / "out.json"
    env = {
        "GRU_FILE": str(work),
        "GRU_CMD": json.dumps([sys.executable, "-m", "gru_lint", "server"]),
        "GRU_OUT": str(out),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [EMACS, "--batch", "-Q", "-l", str(script)],
        env=env, capture_output=True, timeout=240, stdin=subprocess.DEVNULL,
    )
    assert out.exists(), proc.stderr.decode(errors="replace")
    result = json.loads(out.read_text())
    assert result["published"] is True
    assert {d["code"] for d in result["diagnostics"]} == {"GRU001"}  # GRU003 ignored by the options
    assert sorted(d["line"] for d in result["diagnostics"]) == [15, 23, 40, 40]
    expected = subprocess.run(
        [sys.executable, "-m", "gru_lint", "--fix", "--no-cache", "--ignore", "GRU003", "-"],
        input=SEQ2SEQ.read_bytes(), capture_output=True, timeout=120,
    ).stdout
    assert work.read_bytes() == expected
    assert result["cleared"] is True
