#!/usr/bin/python3
# vmbox TEST FIXTURE: a stand-in for the Ollama server, used only by vmbox's end-to-end tests,
# because the real Ollama release cannot be downloaded on the test machines. It is packed as
# bin/ollama inside an offline runtime bundle and speaks the few Ollama endpoints vmbox's health
# check and the tests use:
#   GET  /               "Ollama is running"
#   GET  /api/version    {"version": "0.0.0-vmbox-standin"}
#   GET  /api/tags       the models found under $OLLAMA_MODELS/manifests
#   POST /api/generate   a fixed answer (streamed as NDJSON unless "stream": false)
# Usage (as the real binary): ollama serve     (listens on $OLLAMA_HOST, default 127.0.0.1:11434)
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "0.0.0-vmbox-standin"


def models():
    root = os.path.join(os.environ.get("OLLAMA_MODELS", "/var/lib/vmbox/models/ollama"), "manifests")
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), root).split(os.sep)
            # registry/namespace/name/tag
            if len(rel) >= 4:
                ns, name, tag = rel[-3], rel[-2], rel[-1]
                full = (name if ns == "library" else ns + "/" + name) + ":" + tag
                found.append({"name": full, "model": full, "size": 0, "digest": ""})
    return found


class Handler(BaseHTTPRequestHandler):
    server_version = "vmbox-standin-ollama"

    def log_message(self, fmt, *args):
        sys.stderr.write("standin: " + (fmt % args) + "\n")

    def reply(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/":
            self.reply(200, "Ollama is running", "text/plain; charset=utf-8")
        elif self.path == "/api/version":
            self.reply(200, json.dumps({"version": VERSION}))
        elif self.path == "/api/tags":
            self.reply(200, json.dumps({"models": models()}))
        else:
            self.reply(404, json.dumps({"error": "not found"}))

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or "0")
        try:
            req = json.loads(self.rfile.read(min(length, 1 << 20)) or b"{}")
        except ValueError:
            self.reply(400, json.dumps({"error": "invalid JSON"}))
            return
        if self.path != "/api/generate":
            self.reply(404, json.dumps({"error": "not found"}))
            return
        model = req.get("model", "")
        answer = "vmbox stand-in answer to: " + str(req.get("prompt", ""))[:200]
        if req.get("stream", True) is False:
            self.reply(200, json.dumps({"model": model, "response": answer, "done": True}))
            return
        lines = [json.dumps({"model": model, "response": w + " ", "done": False}) for w in answer.split(" ")]
        lines.append(json.dumps({"model": model, "response": "", "done": True}))
        self.reply(200, "\n".join(lines) + "\n", "application/x-ndjson")


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "--version", "-v"):
        sys.stderr.write("usage: ollama serve\n")
        return 2
    if sys.argv[1] != "serve":
        print("ollama version is " + VERSION)
        return 0
    host = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434")
    if "://" in host:
        host = host.split("://", 1)[1]
    addr, _, port = host.rpartition(":")
    ThreadingHTTPServer((addr or "127.0.0.1", int(port or 11434)), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
