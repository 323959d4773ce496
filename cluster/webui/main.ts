// The web UI's entry point (bundled by scripts/build-webui.js into dist/webui/app.js).
export {};
