#!/usr/bin/env bash
# Consumer check: does org.cnf4j:cnf4j work as a plain Maven dependency?
#
#   experiments/consumer/check.sh [JAVA_FILE [ARGS...]]   (default: the README's "Use from Java" example,
#                                                         run on data/breast_cancer.csv)
#
# 1. installs the library into the local Maven repository (mvn -B -q install -DskipTests);
# 2. makes a throw-away Maven project in a temporary folder whose only dependency is org.cnf4j:cnf4j,
#    as a user's would be, and copies JAVA_FILE into it (its package line decides where it goes);
# 3. checks that its dependency tree holds neither slf4j-simple nor org.bytedeco:cuda (both are the
#    launcher's, optional in the library), that its OpenBLAS is the library pom's (0.3.31, not ND4J's 0.3.19),
#    and prints the tree;
# 4. compiles the file and runs its main class with java -cp (classpath from dependency:build-classpath).
#
# CNF4J_MVN_FLAGS adds Maven flags (e.g. -o to stay offline); KEEP=1 keeps the temporary project.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ $# -ge 1 ]]; then
  src="$1"; shift
  run_args=("$@")
else
  # the README's ```java block, as a user would copy it
  readme_src="$(mktemp -d "${TMPDIR:-/tmp}/cnf4j-readme.XXXXXX")/Example.java"
  awk '/^```java$/{on=1; next} on && /^```$/{exit} on' "$repo/README.md" > "$readme_src"
  [[ -s "$readme_src" ]] || { echo "check: README.md has no \`\`\`java block" >&2; exit 2; }
  src="$readme_src"
  run_args=("$repo/data/breast_cancer.csv" "__WORK__/runs/example")
fi
[[ -f "$src" ]] || { echo "check: no such file: $src" >&2; exit 2; }
src="$(cd "$(dirname "$src")" && pwd)/$(basename "$src")"
read -r -a flags <<< "-B -q ${CNF4J_MVN_FLAGS:-}"

# the library's version: the first <version> after its own <artifactId>
version="$(sed -n '0,/<artifactId>cnf4j<\/artifactId>/d; s/.*<version>\([^<]*\)<\/version>.*/\1/p' "$repo/pom.xml" | head -1)"

echo "== installing org.cnf4j:cnf4j:$version"
(cd "$repo" && mvn "${flags[@]}" install -DskipTests)

work="$(mktemp -d "${TMPDIR:-/tmp}/cnf4j-consumer.XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then echo "== consumer project kept in $work"; else trap 'rm -rf "$work"' EXIT; fi

pkg="$(sed -n 's/^[[:space:]]*package[[:space:]]\+\([A-Za-z0-9_.]\+\)[[:space:]]*;.*/\1/p' "$src" | head -1)"
cls="$(basename "$src" .java)"
main="${pkg:+$pkg.}$cls"
mkdir -p "$work/src/main/java/${pkg//.//}"
cp "$src" "$work/src/main/java/${pkg//.//}/"

# What a user writes: the one dependency (plus, if they want log output, a binding: docs/ARTIFACT.md).
# The plugin versions are pinned only so that the check does not depend on Maven's built-in defaults.
cat > "$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>cnf4j-consumer</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.cnf4j</groupId>
      <artifactId>cnf4j</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins>
  </build>
</project>
POM

cd "$work"
echo "== consumer dependency tree"
mvn "${flags[@]}" dependency:tree -DoutputFile="$work/tree.txt"
cat "$work/tree.txt"
fail=0
for unwanted in 'org.slf4j:slf4j-simple' 'org.bytedeco:cuda'; do
  if grep -q "$unwanted" "$work/tree.txt"; then echo "check: FAIL: $unwanted reaches the consumer" >&2; fail=1
  else echo "check: ok: no $unwanted in the consumer's tree"; fi
done
# the library's OpenBLAS override (its pom, docs/BENCHMARKS.md) must win over ND4J's 0.3.19 in a user's tree too
want_blas="$(sed -n 's/.*<openblas.presets.version>\([^<]*\)<.*/\1/p' "$repo/pom.xml" | head -1)"
if grep -q "org.bytedeco:openblas:jar:$want_blas" "$work/tree.txt" && ! grep "org.bytedeco:openblas:" "$work/tree.txt" | grep -qv "$want_blas"; then
  echo "check: ok: the consumer gets OpenBLAS $want_blas only"
else
  echo "check: FAIL: the consumer's OpenBLAS is not $want_blas:" >&2; grep "openblas" "$work/tree.txt" >&2; fail=1
fi
[[ $fail == 0 ]] || exit 1

echo "== compiling and running $main"
mvn "${flags[@]}" compile dependency:build-classpath -Dmdep.outputFile="$work/cp.txt"
args=()
for a in "${run_args[@]+"${run_args[@]}"}"; do args+=("${a//__WORK__/$work}"); done
java -cp "$work/target/classes:$(cat "$work/cp.txt")" "$main" "${args[@]+"${args[@]}"}"
echo "check: ok: $main ran against org.cnf4j:cnf4j:$version"
