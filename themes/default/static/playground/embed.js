// The playground widget: <script type="module" src=".../static/playground/embed.js">
// defines <dlq-playground>. Everything it loads (the modules, the stylesheet,
// the WebAssembly) is found relative to this file, so it works from any page;
// from another origin the files must be served with
// `Access-Control-Allow-Origin: *`.

import { DlqPlayground } from "./element.js";

if (!customElements.get("dlq-playground")) customElements.define("dlq-playground", DlqPlayground);

export { DlqPlayground };
