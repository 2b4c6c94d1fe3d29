# Shared by scripts/bench-create and scripts/bench-inference: tiny_model FILE writes the tiny deterministic llama GGUF
# of the tests (src/test/java/dev/vmbox/testing/TinyGguf.java, about 0.5 MB, random weights) that Debian's llama-server
# serves. Needs target/test-classes (`mvn -B -DskipTests package` compiles the test helpers).
tiny_model() {
  if [ ! -f target/test-classes/dev/vmbox/testing/TinyGguf.class ]; then
    echo "target/test-classes is missing: run mvn -B -DskipTests package" >&2
    return 3
  fi
  local src
  src=$(mktemp -d)
  printf '%s\n' 'public class WriteTiny { public static void main(String[] a) throws Exception {' \
    '  dev.vmbox.testing.TinyGguf.write(java.nio.file.Path.of(a[0])); } }' > "$src/WriteTiny.java"
  java -cp target/classes:target/test-classes "$src/WriteTiny.java" "$1"
  rm -rf "$src"
}
