// MathJax 3 configuration: formulas are written as \( … \) and \[ … \] inside raw HTML
// blocks (so Markdown leaves the backslashes alone).
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]] }
};
