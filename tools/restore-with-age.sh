#!/bin/sh
# Usage: restore-with-age.sh KIT CLOUD_FOLDER OUT_DIR [BACKUP_ID]
#
# Restores Puddleproof format-2 backups (snapshots/, index/, packs/) without Puddleproof: it needs only
# age, tar, gzip and POSIX tools. KIT is the recovery kit file (an age identity file); CLOUD_FOLDER is
# the folder holding Puddleproof/ (or that Puddleproof folder itself); OUT_DIR must be missing or empty.
#
# Without BACKUP_ID it restores the newest backup of every chat: snapshots with the same K line are one
# chat (each "K -" snapshot is a chat of its own) and the newest is the greatest id (ids start with their
# UTC time). With BACKUP_ID it restores that backup only. Only committed backups count: a
# snapshots/ID.age without its meta/ID.age is unfinished and ignored. An object a sync client left only
# as a copy ("ID (1).age", "ID 2.age", "ID-PC.age", "ID.sync-conflict-….age") is read from the first copy
# that decrypts; files not downloaded yet (".NAME.icloud" placeholders) are counted on stderr. Each export comes back as
# OUT_DIR/<export name>, byte for byte, with its modes (not its times); when two chosen backups have the
# same export name, the later one goes to "OUT_DIR/<export name> (<backup id>)". One line per restored
# export, "<backup id> <path>", goes to stdout.
#
# What it checks: every snapshot is well formed and names its own backup; every path is relative, inside
# its export, free of empty, "." and ".." names, backslashes and NUL; every
# rebuilt file has the size and POSIX cksum its snapshot gives; packs hold regular files only (no links,
# which some tars would follow out of the folder). Everything is rebuilt in a private folder
# beside OUT_DIR (removed on any exit) and moved into OUT_DIR only once every file of every chosen backup
# checked out: on any error (wrong kit, missing or damaged pack, bad snapshot) it says why on stderr,
# exits 1 and leaves no files (an OUT_DIR that did not exist still does not).
# It checks integrity, not authenticity: the HMACs that prove a backup was made with this vault's keys
# need the kit's auth key and tools POSIX lacks (`puddleproof verify` checks them). cksum finds damage,
# not a forgery by someone who can write to the cloud folder and knows its public keys.
# It needs free space beside OUT_DIR for the packs it uses plus the restored files.
#
# Format-1 backups (Puddleproof/data/ID.age) are not this script's business (it only counts them on
# stderr; a chat whose newest backup is format 1 gets its newest format-2 one); each restores alone with
#   age -d -i KIT Puddleproof/data/ID.age | tar -x
# or, with a kit made after the vault's first (`puddleproof kit new`), with the data keys granted to it:
#   for f in Puddleproof/keys/*.age; do age -d -i KIT "$f" && echo; done 2>/dev/null |
#     sed -n 's/.*"identity":"\([A-Z0-9-]*\)".*/\1/p' >granted.txt
#   age -d -i KIT -i granted.txt Puddleproof/data/ID.age | tar -x

set -u
LC_ALL=C
export LC_ALL

die() {
  printf 'restore-with-age: %s\n' "$*" >&2
  exit 1
}
full='cannot write the temporary files (is the disk full?)'
[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: $0 KIT CLOUD_FOLDER OUT_DIR [BACKUP_ID]"
for tool in age tar gzip cksum awk sed grep sort; do
  command -v "$tool" >/dev/null 2>&1 || die "it needs $tool, which is not on the PATH"
done
kit=$1 vault=$2 out=$3 want=${4-}
# (A path that starts with "-" would read as an option to the tools below.)
case $kit in -*) kit=./$kit ;; esac
case $vault in -*) vault=./$vault ;; esac
case $out in -*) out=./$out ;; esac
[ -d "$vault/Puddleproof" ] && vault=$vault/Puddleproof
[ -f "$kit" ] && [ -r "$kit" ] || die "cannot read the kit $kit"
[ -d "$vault/snapshots" ] || die "$2 holds no format-2 backups (no snapshots folder)"
made_out=
if [ -e "$out" ]; then
  { [ -d "$out" ] && list=$(ls -A -- "$out") && [ -z "$list" ]; } || die "$out is not an empty folder"
else
  made_out=1
fi

d='[0-9]' l='[a-z2-7]'
idpat=$d$d$d$d$d$d$d$d'T'$d$d$d$d$d$d'Z-'$l$l$l$l$l$l$l$l$l$l$l$l

# decode ENCODED: sets $dec to the path it encodes (each \0ooo becomes its byte; newlines kept).
decode() {
  dec=$(printf '%bx' "$1")
  dec=${dec%x}
}

tmp= ok=
cleanup() {
  if [ -z "$ok" ] && [ -n "$tmp" ] && [ -f "$tmp/moved" ]; then
    while read -r tenc; do
      decode "$tenc"
      chmod -R u+rwx "$out/$dec" 2>/dev/null
      rm -rf "$out/$dec"
    done <"$tmp/moved"
  fi
  [ -z "$ok" ] && [ -n "$made_out" ] && rmdir "$out" 2>/dev/null
  if [ -n "$tmp" ]; then
    # The unpacked chunks go first, untouched: only what this script made is made writable to remove it.
    rm -rf "$tmp/c"
    chmod -R u+rwx "$tmp/out" 2>/dev/null
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
parent=$(dirname -- "$out")
n=0
until mkdir -m 700 -- "$parent/.restore-with-age.$$.$n" 2>/dev/null; do
  n=$((n + 1))
  [ "$n" -lt 100 ] || die "cannot make a temporary folder in $parent"
done
tmp=$parent/.restore-with-age.$$.$n
mkdir "$tmp/s" "$tmp/c" "$tmp/out" || die "cannot write in $tmp"

# The kit's keys (it may end without a newline), and the vault data keys granted to it (keys/: each opens
# the backups made while it was the vault's data key, also those made before the kit was renewed).
{ cat -- "$kit" && echo; } >"$tmp/ids" || die "cannot read the kit $kit, or $full"
for f in "$vault"/keys/*.age; do
  [ -f "$f" ] || continue
  { age -d -i "$kit" "$f" 2>/dev/null && echo; } | # (the record has no final newline)
    sed -n 's/.*"identity":"\([A-Z0-9-]*\)".*/\1/p' >>"$tmp/ids" || die "$full"
done

# copies DIR ID: lists the files that may hold object DIR/ID.age, in the order they are tried: the object
# itself, then the copies sync clients made of it ("ID (1).age", "ID 2.age", "ID-PC.age", "ID.sync-…age"),
# in name order.
copies() {
  for f in "$1/$2.age" "$1/$2 "*.age "$1/$2-"*.age "$1/$2."*.age; do
    if [ -f "$f" ]; then printf '%s\n' "$f"; fi
  done
}

# open DIR ID PLAIN: decrypts object DIR/ID.age (or the first copy of it that decrypts) with the kit.
open() {
  copies "$1" "$2" >"$tmp/cand" || die "$full"
  [ -s "$tmp/cand" ] || die "${1#"$vault"/}/$2.age is missing (not synced yet?)"
  while IFS= read -r f; do
    age -d -i "$tmp/ids" -o "$3" "$f" 2>"$tmp/err" && return 0
  done <"$tmp/cand"
  die "cannot decrypt ${1#"$vault"/}/$2.age with $kit ($(head -n 1 "$tmp/err")): a wrong kit (another vault's?) or a damaged file"
}

# ids DIR: the ids of the objects in DIR (as files or as copies), one per line, sorted.
idre='[0-9]\{8\}T[0-9]\{6\}Z-[a-z2-7]\{12\}'
ids() {
  ls -- "$1" 2>/dev/null | sed -n "s/^\($idre\)\.age$/\1/p; s/^\($idre\)[ .-].*\.age$/\1/p" | sort -u
}
# (A sync client's placeholder, ".NAME.icloud", stands for a file not downloaded yet.)
waiting=$(ls -A -- "$vault/meta" "$vault/snapshots" "$vault/index" "$vault/packs" 2>/dev/null | grep -c '^\..*\.icloud$')
[ "$waiting" -eq 0 ] ||
  printf 'restore-with-age: note: %s files of the vault are not downloaded here yet (placeholders): what needs them is left out or fails\n' "$waiting" >&2

# check ID: the snapshot of backup ID must be well formed.
check() {
  msg=$(awk -v id="$1" '
    function path(s) { return s ~ /^([A-Za-z0-9._~+,=@\/-]|\\0[0-7][0-7][0-7])+$/ && index(s, "\\0000") == 0 }
    function bad(why) { print why; failed = 1; exit 1 }
    NR == 1 { if ($0 != "puddleproof snapshot 2") bad("not a format-2 snapshot"); next }
    NR == 2 { if ($0 != "I " id) bad("it names another backup"); next }
    NR == 3 { if ($1 != "T") bad("line 3 is malformed"); next }
    NR == 4 { if ($0 !~ /^K [A-Za-z0-9_-]+$/) bad("line 4 is malformed"); next }
    NR == 5 { if ($1 != "N" || NF != 2 || !path($2)) bad("line 5 is malformed"); next }
    ended { if ($0 != "") bad("text after its end"); next }
    $0 == "E" { ended = 1; next }
    /^D [0-7]+ [0-9]+ [^ ]+$/ && path($4) { file = 0; next }
    /^F [0-7]+ [0-9]+ [0-9]+ [0-9]+ [^ ]+$/ && path($6) { file = 1; next }
    /^C [0-9a-f]+(\.gz)? [0-9]+$/ && file && length($2) == ($2 ~ /\.gz$/ ? 67 : 64) { next }
    { bad("line " NR " is malformed") }
    END { if (!failed && !ended) print "it is truncated"; if (!failed && !ended) exit 1 }
  ' "$tmp/s/$1") || die "snapshots/$1.age: $msg"
}

# 1. The snapshots of committed backups; the chosen ones: BACKUP_ID, or the newest of each chat.
if [ -n "$want" ]; then
  case $want in $idpat) ;; *) die "not a backup id: $want" ;; esac
  { [ -n "$(copies "$vault/snapshots" "$want")" ] && [ -n "$(copies "$vault/meta" "$want")" ]; } ||
    die "$want is no committed format-2 backup (a format-1 one restores as this script's header says)"
  printf '%s\n' "$want" >"$tmp/listed" || die "$full"
else
  ids "$vault/data" >"$tmp/v1" || die "$full"
  v1=0
  while read -r id; do [ -n "$(copies "$vault/meta" "$id")" ] && v1=$((v1 + 1)); done <"$tmp/v1"
  [ "$v1" -eq 0 ] || printf 'restore-with-age: note: %s format-1 backups (data/) are left out (see the header)\n' "$v1" >&2
  ids "$vault/snapshots" >"$tmp/listed" || die "$full"
fi
: >"$tmp/keys"
while read -r id; do
  [ -n "$(copies "$vault/meta" "$id")" ] || continue
  open "$vault/snapshots" "$id" "$tmp/s/$id"
  check "$id"
  key=$(sed -n '4s/^K //p' "$tmp/s/$id")
  [ "$key" = - ] && key=-$id
  printf '%s %s\n' "$key" "$id" >>"$tmp/keys" || die "$full"
done <"$tmp/listed"
[ -s "$tmp/keys" ] || die "no committed format-2 backup in $vault"
sort -k1,1 -k2,2r "$tmp/keys" >"$tmp/sorted" || die "$full"
awk '!seen[$1]++ { print $2 }' "$tmp/sorted" >"$tmp/newest" || die "$full"
sort "$tmp/newest" >"$tmp/chosen" || die "$full"
[ -s "$tmp/chosen" ] || die "$full"

# 2. Which packs hold the chunks of the chosen backups, from the pack indexes. A chunk is named by its id,
# whether it is stored as <id> or <id>.gz.
while read -r id; do
  awk '$1 == "C" { sub(/\.gz$/, "", $2); print $2 }' "$tmp/s/$id" || die "$full"
done <"$tmp/chosen" >"$tmp/chunks"
sort -u "$tmp/chunks" >"$tmp/need" || die "$full"
: >"$tmp/map"
ids "$vault/index" >"$tmp/indexes" || die "$full"
while read -r p; do
  [ -n "$(copies "$vault/packs" "$p")" ] || continue # its pack was reclaimed (or has not synced yet)
  copies "$vault/index" "$p" >"$tmp/cand" || die "$full"
  read_index=
  while IFS= read -r f; do
    if age -d -i "$tmp/ids" -o "$tmp/i" "$f" 2>/dev/null && [ "$(sed -n 2p "$tmp/i")" = "P $p" ]; then
      awk -v p="$p" '$1 == "C" { sub(/\.gz$/, "", $2); print $2, p }' "$tmp/i" >>"$tmp/map" || die "$full"
      read_index=1
      break
    fi
  done <"$tmp/cand"
  [ -n "$read_index" ] || printf 'restore-with-age: warning: cannot read index/%s.age; skipped\n' "$p" >&2
done <"$tmp/indexes"
awk 'FILENAME == ARGV[1] { need[$1] = 1; n++; next }
  ($1 in need) && !($1 in got) { got[$1] = 1; n--; print $2 }
  END { if (n) { print n " chunks are in no pack here whose index the kit opens (a pack or index missing or not synced yet?)"; exit 1 } }
' "$tmp/need" "$tmp/map" >"$tmp/where" || die "$(tail -n 1 "$tmp/where")"

# 3. Unpack those packs (chunk files only) into $tmp/c.
sort -u "$tmp/where" >"$tmp/packs" || die "$full"
while read -r p; do
  open "$vault/packs" "$p" "$tmp/pack"
  tar -tvf - <"$tmp/pack" >"$tmp/names" 2>"$tmp/err" || die "pack $p is damaged: $(head -n 1 "$tmp/err")"
  # Regular files named by chunk ids (or padding), each once: no link, folder or name given twice (a tar
  # that follows links could otherwise write outside this folder).
  awk '!/^-/ || / -> / || / link to / { exit 1 }
    { n = $NF; if (n != "padding" && !(n ~ /^[0-9a-f]+(\.gz)?$/ && length(n) == (n ~ /\.gz$/ ? 67 : 64))) exit 1 }
    seen[n]++ { exit 1 }' "$tmp/names" || die "pack $p holds something other than chunks"
  (cd "$tmp/c" && tar -xf -) <"$tmp/pack" || die "cannot unpack pack $p"
  rm -f "$tmp/pack" "$tmp/c/padding"
done <"$tmp/packs"
ls -ln "$tmp/c" >"$tmp/unpacked" || die "$full"
awk 'NR > 1 && ($1 !~ /^-/ || $2 != 1) { exit 1 }' "$tmp/unpacked" || die "a pack holds something other than chunks"

# 4. Rebuild every chosen backup in $tmp/out, checking each file against its F line.
finish() { # the file just rebuilt must have its size and cksum
  [ -n "$file" ] || return 0
  set -- $(cksum <"$file")
  [ "$1 $2" = "$sum $size" ] || die "backup $id: $p does not match its checksum (a damaged chunk)"
  file=
}
: >"$tmp/roots"
while read -r id; do
  tenc=$(sed -n '5s/^N //p' "$tmp/s/$id")
  decode "$tenc"
  name=$dec
  case $name in '' | '.' | '..' | */* | *\\*) die "backup $id: an unsafe export name" ;; esac
  [ -e "$tmp/out/$name" ] && tenc="$tenc\\0040($id)"
  decode "$tenc"
  target=$dec
  [ -e "$tmp/out/$target" ] && die "backup $id: $target is restored twice"
  : >"$tmp/modes"
  file=
  while IFS=' ' read -r tag a b c d e; do
    case $tag in D | F | E) finish ;; esac
    case $tag in
    D | F)
      if [ "$tag" = D ]; then enc=$c; else enc=$e; fi
      decode "$enc"
      p=$dec
      case /$p/ in *//* | */./* | */../* | *\\*) die "backup $id: an unsafe path: $p" ;; esac
      case $p in "$name" | "$name"/*) ;; *) die "backup $id: $p is outside its export" ;; esac
      dest=$tmp/out/$target${p#"$name"}
      [ ! -e "$dest" ] || die "backup $id: $p appears twice"
      if [ "$tag" = D ]; then mkdir -- "$dest"; else : >"$dest"; fi || die "backup $id: cannot create $p"
      printf '%s %s\n' "$a" "$enc" >>"$tmp/modes" || die "$full"
      [ "$tag" = D ] || { file=$dest size=$c sum=$d; }
      ;;
    C)
      c=$tmp/c/${a%.gz}
      if [ -f "$c" ] && [ ! -h "$c" ]; then
        cat <"$c" >>"$file" || die "backup $id: cannot write $p"
      elif [ -f "$c.gz" ] && [ ! -h "$c.gz" ]; then
        gzip -dc <"$c.gz" >>"$file" || die "backup $id: a chunk of $p is damaged"
      else
        die "backup $id: a chunk of $p is in none of the packs"
      fi
      ;;
    E) break ;;
    esac
  done <"$tmp/s/$id"
  [ -s "$tmp/modes" ] || die "backup $id: its snapshot lists no files"
  # Modes deepest first; the export's own mode once it is in OUT_DIR (a folder must stay writable to move).
  awk '{ l[NR] = $0 } END { for (i = NR; i > 1; i--) print l[i] }' "$tmp/modes" >"$tmp/rmodes" || die "$full"
  while read -r m enc; do
    decode "$enc"
    chmod "$(printf %o $((0$m & 511)))" "$tmp/out/$target${dec#"$name"}" || die "cannot set modes"
  done <"$tmp/rmodes"
  printf '%s %s %s\n' "$(sed -n '1s/ .*//p' "$tmp/modes")" "$id" "$tenc" >>"$tmp/roots" || die "$full"
done <"$tmp/chosen"
[ "$(awk 'END { print NR }' "$tmp/roots")" = "$(awk 'END { print NR }' "$tmp/chosen")" ] || die "$full"

# 5. Every file checked out: move the exports into OUT_DIR.
if [ -n "$made_out" ]; then mkdir -- "$out" || die "cannot make $out"; fi
: >"$tmp/moved"
while read -r m id tenc; do
  decode "$tenc"
  printf '%s\n' "$tenc" >>"$tmp/moved" || die "$full"
  mv -- "$tmp/out/$dec" "$out/$dec" || die "cannot move $dec into $out"
  chmod "$(printf %o $((0$m & 511)))" "$out/$dec" || die "cannot set the mode of $out/$dec"
done <"$tmp/roots"
ok=1
while read -r m id tenc; do
  decode "$tenc"
  printf '%s %s\n' "$id" "$out/$dec"
done <"$tmp/roots"
