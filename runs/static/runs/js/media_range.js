// Step and index sliders of the run page's media tabs and the media explorer. A
// slider moves over positions in the list of values that exist (the tracked steps),
// never by 1 between them, so each move shows something new; when there are few
// values they are drawn as ticks. Markup: a range group of
// templates/runs/_media_controls.html, or any <input type="range">.
//
//   const steps = mountRange(groupElement, "step");
//   steps.reset([0, 10, 200, 201], { low: 10, high: 201 });   // values, the chosen bounds
//   steps.value      // [10, 201]: values, not positions
//   steps.onChange(() => …)   // after a thumb is let go
//   setTicks(slider, count)   // ticks at every position of a plain slider, when few
import { el } from "../../js/lib/dom.js";

export const MAX_TICKS = 30;
let ticksMade = 0;

/** Ticks at the `count` positions of a slider (0 … count - 1), or none past MAX_TICKS. */
export function setTicks(slider, count) {
  if (!slider.dataset.ticksId) slider.dataset.ticksId = `range-ticks-${++ticksMade}`;
  const id = slider.dataset.ticksId;
  let list = document.getElementById(id);
  if (!list) {
    list = el("datalist", { id });
    slider.after(list);
  }
  const show = count > 1 && count <= MAX_TICKS;
  list.replaceChildren(...(show ? Array.from({ length: count }, (_, i) => el("option", { value: String(i) })) : []));
  if (show) slider.setAttribute("list", id);
  else slider.removeAttribute("list");
}

/** The position of the value nearest to `wanted` in sorted `values`. */
export function nearestPosition(values, wanted) {
  let best = 0;
  values.forEach((value, i) => { if (Math.abs(value - wanted) < Math.abs(values[best] - wanted)) best = i; });
  return best;
}

export function mountRange(group, noun) {
  const low = group.querySelector("[data-range-min]");
  const high = group.querySelector("[data-range-max]");
  const inputs = group.querySelector("[data-range-inputs]");
  const text = group.querySelector("[data-range-text]");
  const info = group.querySelector("[data-range-info]");
  const listeners = [];
  let values = [0];

  const at = (input) => values[Number(input.value)] ?? values[0];
  const show = () => { text.textContent = `${at(low)} – ${at(high)}`; };
  low.addEventListener("input", () => { if (Number(low.value) > Number(high.value)) high.value = low.value; show(); });
  high.addEventListener("input", () => { if (Number(high.value) < Number(low.value)) low.value = high.value; show(); });
  for (const input of [low, high]) input.addEventListener("change", () => listeners.forEach((fn) => fn()));

  return {
    /** `next`: the values that exist, ascending; `low`/`high`: the chosen bounds. */
    reset(next, { low: first = null, high: last = null } = {}) {
      values = next.length ? next : [0];
      for (const input of [low, high]) {
        input.min = 0;
        input.max = values.length - 1;
        input.step = 1;
        setTicks(input, values.length);
      }
      low.value = first === null ? 0 : nearestPosition(values, first);
      high.value = last === null ? values.length - 1 : nearestPosition(values, last);
      const single = values.length === 1;
      inputs.hidden = single;
      info.hidden = !single;
      info.textContent = single ? `Only one ${noun} (${values[0]}) was tracked, so there is nothing to slide.` : "";
      show();
    },
    get value() { return [at(low), at(high)]; },
    /** Whether the whole range is chosen (the address then leaves the bounds out). */
    get isFull() { return Number(low.value) === 0 && Number(high.value) === values.length - 1; },
    onChange(fn) { listeners.push(fn); },
  };
}
