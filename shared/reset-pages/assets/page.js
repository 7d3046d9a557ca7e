document.querySelectorAll("[data-toggle]").forEach(function (button) {
  var fields = button.getAttribute("data-toggle").split(" ").map(function (id) { return document.getElementById(id); });
  button.hidden = false;
  button.addEventListener("click", function () {
    var show = button.getAttribute("aria-pressed") !== "true";
    fields.forEach(function (field) { field.type = show ? "text" : "password"; });
    button.setAttribute("aria-pressed", String(show));
    button.textContent = button.getAttribute(show ? "data-hide" : "data-show");
  });
});
