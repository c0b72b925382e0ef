// The survey answer page: a contact picker per question (an accessible combobox over a JSON roster
// search) and saving as you go (the form is posted in the background after each change).
(function () {
  "use strict";
  const form = document.getElementById("answer-form");
  if (!form) return;
  const template = document.getElementById("contact-template").content.firstElementChild;
  const status = document.getElementById("save-status");
  const max = parseInt(form.dataset.max, 10);
  let saveTimer = null;

  function csrf() {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  // One save in flight at a time, so an older state never lands after a newer one.
  let saving = false;
  let changes = 0;
  let saveAgain = false;

  function save() {
    if (saving) {
      saveAgain = true;
      return;
    }
    saving = true;
    const version = changes;
    const data = new FormData(form);
    data.set("action", "save");
    status.textContent = "Saving…";
    fetch(window.location.pathname, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
    })
      .then((r) => r.json().then((body) => ({ ok: r.ok, body })))
      .then(({ ok, body }) => {
        if (ok && version !== changes) return; // newer changes are on their way
        status.textContent = ok ? "Saved" : "Not saved: " + (body.errors || [body.error]).join(" ");
        status.dataset.state = ok ? "saved" : "error";
      })
      .catch(() => {
        status.textContent = "Not saved: check your connection.";
        status.dataset.state = "error";
      })
      .finally(() => {
        saving = false;
        if (saveAgain) {
          saveAgain = false;
          save();
        }
      });
  }

  function saveSoon() {
    changes += 1;
    clearTimeout(saveTimer);
    status.dataset.state = "pending";
    status.textContent = "Not saved yet…";
    saveTimer = setTimeout(save, 400);
  }

  function addContact(fieldset, person) {
    const list = fieldset.querySelector(".contacts");
    if (list.querySelector('[data-target="' + person.id + '"]')) return false;
    if (list.children.length >= max) return false;
    // The server-rendered template with its QID and TARGET placeholders filled in (no HTML parsing).
    const item = template.cloneNode(true);
    [item, ...item.querySelectorAll("*")].forEach((el) => {
      for (const attr of el.attributes) {
        attr.value = attr.value.split("QID").join(fieldset.dataset.question).split("TARGET").join(person.id);
      }
    });
    item.querySelector(".contact-name").textContent = person.name;
    item.querySelector(".contact-org").textContent = person.organisation || "";
    item.querySelector(".contact-remove").setAttribute("aria-label", "Remove " + person.name);
    list.appendChild(item);
    saveSoon();
    return true;
  }

  form.addEventListener("click", (event) => {
    const remove = event.target.closest(".contact-remove");
    if (remove) {
      const item = remove.closest(".contact");
      const fieldset = item.closest("fieldset");
      item.remove();
      fieldset.querySelector(".picker-input").focus();
      saveSoon();
    }
  });
  form.addEventListener("change", saveSoon);

  form.querySelectorAll("fieldset.question").forEach((fieldset) => {
    const input = fieldset.querySelector(".picker-input");
    const listbox = fieldset.querySelector(".picker-list");
    const live = fieldset.querySelector(".picker-status");
    let options = [];
    let active = -1;
    let query = 0;

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      const items = listbox.querySelectorAll("[role=option]");
      items.forEach((el, i) => {
        el.classList.toggle("active", i === index);
        el.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(index) {
      const option = options[index];
      if (!option) return;
      if (option.newPerson) {
        const name = input.value.trim();
        const extra = window.prompt("E-mail or organisation of " + name + " (optional)", "") || "";
        const data = new FormData();
        data.set("name", name);
        data.set(extra.includes("@") ? "email" : "organisation", extra.trim());
        fetch(form.dataset.pendingUrl, {
          method: "POST",
          body: data,
          headers: { Accept: "application/json", "X-CSRFToken": csrf() },
          credentials: "same-origin",
        })
          .then((r) => r.json())
          .then((person) => {
            if (person.id) addContact(fieldset, person);
            else live.textContent = (person.errors || [person.error]).join(" ");
          });
      } else if (!addContact(fieldset, option)) {
        live.textContent = option.name + " is already on your list, or the list is full.";
      } else {
        live.textContent = option.name + " added.";
      }
      input.value = "";
      close();
      input.focus();
    }

    function render(results) {
      listbox.replaceChildren();
      options = results.slice();
      if (input.value.trim().length >= 2) options.push({ newPerson: true, name: input.value.trim() });
      options.forEach((option, i) => {
        const li = document.createElement("li");
        li.className = "list-group-item list-group-item-action";
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        if (option.newPerson) {
          li.textContent = "Someone not on the list: add “" + option.name + "”";
        } else {
          const strong = document.createElement("span");
          strong.textContent = option.name;
          li.appendChild(strong);
          if (option.organisation) {
            const org = document.createElement("small");
            org.className = "text-body-secondary ms-2";
            org.textContent = option.organisation;
            li.appendChild(org);
          }
        }
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          choose(i);
        });
        listbox.appendChild(li);
      });
      listbox.hidden = options.length === 0;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
      live.textContent = results.length + " match" + (results.length === 1 ? "" : "es");
      if (results.length) highlight(0);
    }

    input.addEventListener("input", () => {
      const q = input.value.trim();
      const mine = ++query;
      if (q.length < 2) return close();
      fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then((r) => r.json())
        .then((body) => {
          if (mine === query) render(body.results || []);
        });
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (options.length) highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (options.length) highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (!listbox.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        } else {
          event.preventDefault();
        }
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  });
})();
