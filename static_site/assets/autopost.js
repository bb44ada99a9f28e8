// HTTP-POST binding towards DigiD: submit the form the DigiD function rendered (no inline script: CSP).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("digid-post");
  if (form) form.submit();
});
