// Enterprise forms (registration, edit): offer only the industry divisions of the chosen section
// and only the parks of the chosen district. The server checks both again (Enterprise.clean).
(function () {
  "use strict";

  function narrow(select, matches) {
    if (!select) return;
    let keep = false;
    Array.prototype.forEach.call(select.options, function (option) {
      const show = !option.value || matches(option);
      option.hidden = !show;
      option.disabled = !show;
      if (show && option.selected) keep = true;
    });
    if (!keep) select.value = "";
  }

  function wire(form) {
    const section = form.querySelector("[data-section-select]");
    const division = form.querySelector("[data-division-select]");
    const district = form.querySelector("[data-district-select]");
    const park = form.querySelector("[data-park-select]");
    function update() {
      if (section && division) {
        narrow(division, function (o) { return !section.value || o.dataset.section === section.value; });
      }
      if (district && park) {
        narrow(park, function (o) { return !!district.value && o.dataset.district === district.value; });
      }
    }
    [section, district].forEach(function (el) { if (el) el.addEventListener("change", update); });
    update();
  }

  document.querySelectorAll("form[data-enterprise-form]").forEach(wire);
})();
