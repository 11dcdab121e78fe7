#!/usr/bin/env bash
# The SDK as a third party sees it (ctest: sdk_out_of_tree_example).
#
#   sdk_out_of_tree_test.sh SOURCE_DIR BUILD_DIR FERRYD
#
# 1. installs the built project (SDK headers, CMake package, ferryd, in-tree plugins) into a
#    temporary prefix;
# 2. configures and builds sdk/examples/hello-plugin out of tree against that prefix with
#    find_package(FerrySDK), warnings as errors, and runs its unit test;
# 3. puts ferry-hello.so in a plugin directory with the installed in-tree plugins and checks that
#    `FERRYD --list-plugins` loads and lists all of them and exits 0.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 SOURCE_DIR BUILD_DIR FERRYD" >&2
  exit 2
fi
source_dir=$1
build_dir=$2
ferryd=$3
example="$source_dir/sdk/examples/hello-plugin"

step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
  printf '\nFAILED: %s\n' "$*" >&2
  exit 1
}

[[ -f "$example/CMakeLists.txt" ]] || fail "no example project at $example"
[[ -f "$build_dir/CMakeCache.txt" ]] || fail "$build_dir is not a configured build directory"
[[ -x "$ferryd" ]] || fail "ferryd '$ferryd' is not an executable"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-sdk-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
hello_build="$tmp/hello-build"
plugin_dir="$tmp/plugins"
jobs=$(nproc 2>/dev/null || echo 2)

# ---- 1. install ------------------------------------------------------------------------------
step "install $build_dir into $prefix"
if ! cmake --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  fail "cmake --install $build_dir failed"
fi
for f in include/ferry/abi.h include/ferry/sdk.hpp include/ferry/testing/fake_host.hpp; do
  [[ -f "$prefix/$f" ]] || fail "the install has no $f"
done
ok "SDK headers installed"
sdk_config=$(find "$prefix" -path '*/cmake/FerrySDK/FerrySDKConfig.cmake' | head -n 1)
[[ -n "$sdk_config" ]] || fail "the install has no cmake/FerrySDK/FerrySDKConfig.cmake"
ok "CMake package at ${sdk_config#"$prefix"/}"
installed_plugins="$prefix/lib/ferry/plugins"
if [[ ! -d "$installed_plugins" ]]; then  # e.g. a multiarch libdir
  installed_plugins=$(find "$prefix" -type d -path '*/ferry/plugins' | head -n 1)
  [[ -n "$installed_plugins" ]] || fail "the install has no lib/ferry/plugins directory"
fi
for p in ferry-fake.so ferry-pipeline.so; do
  [[ -f "$installed_plugins/$p" ]] || fail "the install has no ${installed_plugins#"$prefix"/}/$p"
done
ok "in-tree plugins installed in ${installed_plugins#"$prefix"/}"
abi_major=$(sed -n 's/^#define FERRY_ABI_MAJOR \([0-9]*\).*/\1/p' "$prefix/include/ferry/abi.h")
abi_minor=$(sed -n 's/^#define FERRY_ABI_MINOR \([0-9]*\).*/\1/p' "$prefix/include/ferry/abi.h")
[[ -n "$abi_major" && -n "$abi_minor" ]] || fail "cannot read the ABI version from abi.h"
abi="$abi_major.$abi_minor"
ok "installed SDK is ABI $abi"

# ---- 2. build the example out of tree and run its unit test ----------------------------------
step "configure $example against the installed SDK"
if ! cmake -S "$example" -B "$hello_build" \
      -DCMAKE_PREFIX_PATH="$prefix" \
      -DHELLO_BUILD_TESTS=ON \
      -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >"$tmp/configure.log" 2>&1; then
  cat "$tmp/configure.log" >&2
  fail "configuring the example failed"
fi
found_dir=$(sed -n 's/^FerrySDK_DIR:[A-Z]*=//p' "$hello_build/CMakeCache.txt")
[[ "$found_dir" == "$prefix"/* ]] ||
  fail "find_package(FerrySDK) used '$found_dir', not the package installed in $prefix"
ok "find_package(FerrySDK) found ${found_dir#"$prefix"/}"

step "build the example (-Wall -Wextra -Werror)"
if ! cmake --build "$hello_build" -j "$jobs" >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  fail "building the example failed"
fi
[[ -f "$hello_build/ferry-hello.so" ]] || fail "the build produced no ferry-hello.so"
ok "built ferry-hello.so"
if command -v nm >/dev/null; then
  exported=$(nm -D --defined-only "$hello_build/ferry-hello.so" | awk '$2 == "T" { print $3 }')
  [[ "$exported" == "ferry_plugin_entry_v1" ]] ||
    fail "ferry-hello.so must export exactly the function ferry_plugin_entry_v1; it exports: ${exported:-nothing}"
  ok "ferry-hello.so exports the function ferry_plugin_entry_v1 and no other"
fi

step "run the example's unit test"
"$hello_build/hello_test" || fail "the example's unit test (hello_test) failed"
ok "hello_test passed"

# ---- 3. ferryd loads it next to the in-tree plugins ------------------------------------------
step "ferryd --list-plugins with ferry-hello.so and the installed in-tree plugins"
mkdir -p "$plugin_dir" "$tmp/data"
cp "$hello_build/ferry-hello.so" "$installed_plugins"/*.so "$plugin_dir/"
cat >"$tmp/ferryd.toml" <<EOF
[server]
data_dir = "$tmp/data"
plugin_dir = "$plugin_dir"
EOF
echo "   $ferryd --config $tmp/ferryd.toml --list-plugins"
rc=0
"$ferryd" --config "$tmp/ferryd.toml" --list-plugins >"$tmp/list.out" 2>"$tmp/list.err" || rc=$?
sed 's/^/   | /' "$tmp/list.out"
if [[ -s "$tmp/list.err" ]]; then
  echo "   stderr:"
  sed 's/^/   | /' "$tmp/list.err"
fi
[[ $rc -eq 0 ]] || fail "ferryd --list-plugins exited $rc, expected 0"
ok "ferryd exited 0"
listing=$(cat "$tmp/list.out")

expect_line() {  # expect_line DESCRIPTION ERE
  grep -qE -- "$2" <<<"$listing" || fail "ferryd --list-plugins does not list $1 (no line matching /$2/)"
  ok "lists $1"
}
abi_re=${abi//./\\.}
expect_line "hello 0.1.0, ABI $abi, kinds source, transform" \
  "^hello 0\.1\.0 +ABI $abi_re +kinds: source, transform( |$)"
expect_line "the source 'hello'" "^ +source 'hello': "
expect_line "the transform 'uppercase'" "^ +transform 'uppercase': "
expect_line "the built-in plugin fake (ABI $abi)" "^fake [^ ]+ +ABI $abi_re +kinds: "
expect_line "the built-in plugin pipeline (ABI $abi)" "^pipeline [^ ]+ +ABI $abi_re +kinds: "
if grep -q 'refused' "$tmp/list.err"; then
  fail "ferryd refused a plugin (see stderr above)"
fi
ok "no plugin refused"

printf '\nPASSED: the SDK installs, the example plugin builds out of tree, passes its test and loads in ferryd\n'
