// Experiments list: reopen the create dialog when the server returned it with errors.
import { openDialog } from "../../js/lib/dialog.js";

const dialog = document.getElementById("create-experiment");
if (dialog && dialog.hasAttribute("data-open-on-load")) openDialog(dialog);
