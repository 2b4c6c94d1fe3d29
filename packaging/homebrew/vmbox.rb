# Homebrew formula for vmbox on macOS. scripts/release writes target/homebrew/vmbox.rb from this file with the
# version, the url of vmbox-VERSION.tar.gz (the release without a bundled runtime) and its sha256 filled in.
# Install it from a tap of your own (Homebrew installs formulae from taps):
#   brew tap-new "$USER/vmbox" && cp target/homebrew/vmbox.rb "$(brew --repository "$USER/vmbox")/Formula/"
#   brew install "$USER/vmbox/vmbox"
class Vmbox < Formula
  desc "Run a local AI model server inside its own sealed VM, reachable only on 127.0.0.1"
  homepage "@HOMEPAGE@"
  url "@URL@"
  version "@VERSION@"
  sha256 "@SHA256@"
  license "Apache-2.0"

  depends_on "lima"
  depends_on "openjdk"

  def install
    # the launcher finds the jar at ../lib/vmbox/vmbox.jar beside itself and keeps its class-data archive in
    # ~/.cache/vmbox; the wrapper in bin/ points it at Homebrew's Java
    libexec.install "bin", "lib"
    (bin/"vmbox").write_env_script libexec/"bin/vmbox", Language::Java.overridable_java_home_env
    man1.install Dir["share/man/man1/*.1.gz"]
    bash_completion.install "share/bash-completion/completions/vmbox"
    doc.install Dir["share/doc/vmbox/*"]
  end

  test do
    assert_match "vmbox #{version}", shell_output("#{bin}/vmbox --version")
    assert_match "\"checks\"", shell_output("#{bin}/vmbox doctor --json", nil)
  end
end
