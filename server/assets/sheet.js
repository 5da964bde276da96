// assetmap referral sheet: the Print and Copy text buttons, and keeping the family's starting
// point out of sight.
//
// Served as a file (the page's Content-Security-Policy allows no inline script). It only sets
// textContent and attributes: the policy also requires Trusted Types, so no HTML-from-string
// or code-from-string sink may be used here.
(function () {
  "use strict";

  // The sheet's address may carry `from=` (a ZIP code or a position) to compute distances.
  // Once the page has them, drop it from the address bar: it then appears neither in a
  // printout's header nor in the browser's history.
  try {
    var url = new URL(window.location.href);
    if (url.searchParams.has("from")) {
      url.searchParams.delete("from");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  } catch (e) {
    // Old browsers without URL: the sheet still works, the address keeps its origin.
  }

  var print = document.getElementById("print-sheet");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () {
      window.print();
    });
  }

  var copy = document.getElementById("copy-text");
  var text = document.getElementById("sms-text");
  if (copy && text) {
    copy.hidden = false;
    var label = copy.textContent;
    var done = function () {
      copy.textContent = copy.getAttribute("data-copied") || label;
      copy.classList.add("done");
      window.setTimeout(function () {
        copy.textContent = label;
        copy.classList.remove("done");
      }, 2500);
    };
    var fallback = function () {
      text.focus();
      text.select();
      try {
        if (document.execCommand("copy")) {
          done();
        }
      } catch (e) {
        // The text stays selected: the counselor can copy it by hand.
      }
    };
    copy.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  }
})();
