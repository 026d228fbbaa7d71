// The add-evidence form shows only the fields of the kind chosen (written, file,
// lesson, reflection). Without this script every field shows, and the server still
// checks each kind's own fields (competencies.services.evidence_add).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-evidence-kinds]").forEach(function (form) {
    var radios = form.querySelectorAll('input[name="kind"]');
    function show() {
      var chosen = form.querySelector('input[name="kind"]:checked');
      var kind = chosen ? chosen.value : "";
      form.querySelectorAll("[data-kind]").forEach(function (field) {
        field.hidden = field.getAttribute("data-kind") !== kind;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", show); });
    show();
  });
});
