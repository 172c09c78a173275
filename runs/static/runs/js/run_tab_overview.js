// Overview tab: each card's search box filters its table rows (all words, any column).
export function mount() {
  document.querySelectorAll(".data-card").forEach((card) => {
    const input = card.querySelector("[data-table-search]");
    if (!input) return;
    const rows = [...card.querySelectorAll("tbody tr")];
    const texts = rows.map((row) => row.textContent.toLowerCase());
    const noMatch = card.querySelector(".no-match");
    const filter = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      rows.forEach((row, i) => {
        const visible = words.every((word) => texts[i].includes(word));
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      if (noMatch) noMatch.hidden = shown > 0;
    };
    input.addEventListener("input", filter);
    // Text typed before this module ran (or restored by the browser) filters too.
    if (input.value) filter();
  });
  return {};
}
