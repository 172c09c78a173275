// Loaded on every page: wires server-rendered toasts and dialog triggers.
import { initServerToasts } from "./lib/toast.js";
import { initDialogTriggers } from "./lib/dialog.js";

initServerToasts();
initDialogTriggers(document);
