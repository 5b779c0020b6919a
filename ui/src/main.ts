// Starts the web front end: the one Svelte root, mounted into index.html.
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html lacks the #app element");
export default mount(App, { target });
