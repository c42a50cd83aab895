#!/usr/bin/env bash
# Shows that `mvn verify` enforces the declared package versions of expkt.api and expkt.codec
# against the baseline in cnf/baseline/ (bnd-baseline-maven-plugin). Each case edits a throwaway
# copy of the module (the work tree is never touched), builds it with `mvn verify` and checks the
# outcome:
#   1. a public method removed from expkt.api.net.MacAddress, version left at 1.0.0 -> fails
#   2. a public method added to MacAddress (a minor change), package bumped 1.0.0 -> 1.1.0 -> passes
#   3. the same addition without the bump                                          -> fails
# The API cases use expkt.api.net because it is still at its baseline version: expkt.api.handler,
# .packet and .vr are at 2.0.0 since the deliberate breaking change of issue 14 (records -> classes,
# @HandlerFilter enums), so a further change there is within their declared major until the baseline
# moves to a release that has them.
#   4. a public method removed from the codec's expkt.codec.wol.WakeOnLan, version left -> fails
# Exit 0 when every case ends as expected, 1 otherwise (the failing case's Maven output is printed).
# Usage: cnf/baseline/check-baseline.sh [extra Maven args, e.g. -o]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# copy of the reactor's parent, bnd.bnd, .mvn, the baseline repository and one module
fresh_copy() {
  local module="$1" dir="$work/$2"
  mkdir -p "$dir/cnf"
  cp "$root/pom.xml" "$root/bnd.bnd" "$dir/"
  cp -r "$root/.mvn" "$dir/"
  cp -r "$root/cnf/baseline" "$dir/cnf/"
  cp -r "$root/$module" "$dir/"
  rm -rf "$dir/$module/target"
  echo "$dir"
}

# expect <pass|fail> <case name> <copy dir> <module>
expect() {
  local want="$1" name="$2" dir="$3" module="$4" log="$3/mvn.log" got
  if mvn -B -Dstyle.color=never -Dmaven.test.skip=true "${MVN_ARGS[@]}" -f "$dir/$module/pom.xml" verify >"$log" 2>&1; then
    got=pass
  else
    got=fail
  fi
  if [[ "$got" == fail ]] && ! grep -q 'Baseline problems detected' "$log"; then
    got="fail (not by the baseline check)"
  fi
  if [[ "$got" == "$want" ]]; then
    echo "ok   $name: build ${got}ed as expected"
    [[ "$want" == fail ]] && grep -E '^\[ERROR\] \* ' "$log" | head -3 | sed 's/^/       /'
  else
    echo "FAIL $name: expected the build to $want, it did: $got"
    tail -40 "$log"
    failed=1
  fi
  return 0
}

MVN_ARGS=("$@")
api_mac=expkt.api/src/main/java/expkt/api/net/MacAddress.java
api_info=expkt.api/src/main/java/expkt/api/net/package-info.java

# 1. removed method, no major bump
d="$(fresh_copy expkt.api removed)"
python3 - "$d/$api_mac" <<'EOF'
import re, sys
p = sys.argv[1]; s = open(p).read()
n = re.sub(r'\n    public boolean isBroadcast\(\) \{\n.*?\n    }\n', '\n', s, flags=re.S)
assert n != s, "MacAddress.isBroadcast() not found"
open(p, 'w').write(n)
EOF
expect fail "removed MacAddress.isBroadcast(), expkt.api.net still 1.0.0" "$d" expkt.api

# 2. added method with a minor bump
d="$(fresh_copy expkt.api added-bumped)"
add_method() {
  python3 - "$1" <<'EOF'
import sys
p = sys.argv[1]; s = open(p).read()
i = s.rstrip().rfind('}')
open(p, 'w').write(s[:i] + '    /** Added by check-baseline.sh. */\n    public boolean isLocal() {\n        return (toLong() & 0x0200_0000_0000L) != 0;\n    }\n}\n')
EOF
}
add_method "$d/$api_mac"
sed -i 's/@Version("1.0.0")/@Version("1.1.0")/' "$d/$api_info"
grep -q '@Version("1.1.0")' "$d/$api_info"
expect pass "added MacAddress.isLocal(), expkt.api.net bumped to 1.1.0" "$d" expkt.api

# 3. the same addition, no bump
d="$(fresh_copy expkt.api added-unbumped)"
add_method "$d/$api_mac"
expect fail "added MacAddress.isLocal(), expkt.api.net still 1.0.0" "$d" expkt.api

# 4. the codec: removed public method, no major bump
d="$(fresh_copy expkt.codec codec-removed)"
python3 - "$d/expkt.codec/src/main/java/expkt/codec/wol/WakeOnLan.java" <<'EOF'
import re, sys
p = sys.argv[1]; s = open(p).read()
n = re.sub(r'\n    /\*\* The SecureOn password[^\n]*\n    public byte\[\] password\(\) \{.*?\n    }\n', '\n', s, flags=re.S)
assert n != s, "WakeOnLan.password() not found"
open(p, 'w').write(n)
EOF
expect fail "removed WakeOnLan.password(), expkt.codec.wol still 1.0.0" "$d" expkt.codec

exit $failed
