// Small progressive enhancements; every page works without them.
// - A select marked data-autosubmit submits its form when changed (the language switch).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});
