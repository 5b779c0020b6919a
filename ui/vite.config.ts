// Builds the web front end into ui/dist, which the desktop app embeds.
// The target matches the WebKitGTK 2.4x web view of Debian 12 and later.
import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "safari15",
    // No inline <script> or data: modules: the app's content security policy allows only files from the app.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
