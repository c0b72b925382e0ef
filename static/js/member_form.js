// Organisations only apply to people: hide the field while "Organisation" is picked.
(function () {
  const field = document.getElementById("organisations-field");
  const radios = document.querySelectorAll('input[name="kind"]');
  if (!field || !radios.length) return;
  function sync() {
    const picked = document.querySelector('input[name="kind"]:checked');
    field.hidden = picked && picked.value === "organisation";
  }
  radios.forEach((radio) => radio.addEventListener("change", sync));
  sync();
})();
