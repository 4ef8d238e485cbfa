// The error summary takes the focus when a page opens with errors (GOV.UK pattern): a screen reader reads it
// first and the keyboard starts there. The summary's autofocus attribute does it without JavaScript in most
// browsers; this covers those that honour autofocus on form fields only.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
});
