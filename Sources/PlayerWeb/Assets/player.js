/*
 * The ECBA player: the activity tree, the content frame, previous / next / exit, and the
 * SCORM run-time (scorm-runtime.js) put where content looks for it (this window, the parent
 * of the content frame). Every commit goes to the server, which checks it again. A cmi5 AU is
 * launched by the server (its session, LMS.LaunchData, the launched statement) and opened
 * with its launch parameters; it talks to the LRS itself, on this origin.
 */
(function () {
  'use strict';
  var labels = JSON.parse(document.getElementById('labels').textContent);
  var format = document.body.getAttribute('data-format');
  var frame = document.getElementById('content');
  var notice = document.getElementById('notice');
  var links = Array.prototype.slice.call(document.querySelectorAll('.activity'));
  // The organisation's control mode: the tree (choice), previous / next (flow), never back (forwardOnly).
  var mode = {
    choice: document.body.getAttribute('data-choice') === 'true',
    flow: document.body.getAttribute('data-flow') === 'true',
    forwardOnly: document.body.getAttribute('data-forward-only') === 'true'
  };
  var order = links.map(function (a) { return a.getAttribute('data-activity'); });
  var isSCORM = format === 'scorm12' || format === 'scorm2004';
  var isCMI5 = format === 'cmi5';
  var isTinCan = format === 'tincan';
  var edition = format === 'scorm12' ? '1.2' : '2004';
  var model = null;
  var current = null;     // { activity, attemptID, runtime }
  var queue = Promise.resolve();
  var leaving = false;

  function post(path, body, keepalive) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), keepalive: !!keepalive })
      .then(function (response) {
        if (!response.ok) return response.json().then(function (problem) { throw new Error(problem.message || response.status); });
        return response.status === 204 ? null : response.json();
      });
  }

  function refreshStatuses() {
    return fetch('/player/view').then(function (r) { return r.json(); }).then(function (view) {
      view.items.forEach(function (item) {
        var span = document.querySelector('[data-status-of="' + CSS.escape(item.identifier) + '"]');
        if (span && item.status) { span.setAttribute('data-status', item.status); span.textContent = labels[item.status] || item.status; }
      });
    }).catch(function () {});
  }

  function send(attemptID, sets, terminate) {
    var keepalive = leaving;
    queue = queue.then(function () {
      return post('/player/runtime/commit', { attemptID: attemptID, sets: sets, terminate: terminate }, keepalive).then(function () {
        notice.textContent = '';
        if (terminate) return refreshStatuses();
      });
    }).catch(function () { notice.textContent = labels['saving-failed']; });
    return queue;
  }

  function highlight(activity) {
    links.forEach(function (a) { a.classList.toggle('current', a.getAttribute('data-activity') === activity); });
    var at = order.indexOf(activity);
    document.getElementById('previous').disabled = !mode.flow || mode.forwardOnly || at <= 0;
    document.getElementById('next').disabled = !mode.flow || at < 0 || at >= order.length - 1;
  }

  /* Unloads the content (its own unload handler terminates) and waits for its last commit. */
  function unload() {
    if (!current) return Promise.resolve();
    var leavingRuntime = current.runtime;
    var attemptID = current.attemptID;
    // A cmi5 AU terminates from its own unload handler, over the network: give it the time.
    var grace = current.cmi5 ? 1000 : 50;
    frame.src = 'about:blank';
    current = null;
    return new Promise(function (resolve) { setTimeout(resolve, grace); }).then(function () {
      if (leavingRuntime && !leavingRuntime.state.terminated && leavingRuntime.state.pending.length) {
        send(attemptID, leavingRuntime.state.pending.splice(0), false);
      }
      return queue;
    });
  }

  function launch(activity) {
    return unload().then(function () {
      var link = links[order.indexOf(activity)];
      if (!link) return;
      highlight(activity);
      var url = null;
      return fetch('/player/view').then(function (r) { return r.json(); }).then(function (view) {
        view.items.forEach(function (item) { if (item.identifier === activity) url = item.launchURL; });
        if (isCMI5 || isTinCan) {
          return post(isCMI5 ? '/player/cmi5/launch' : '/player/tincan/launch', { activity: activity }).then(function (launch) {
            current = { activity: activity, cmi5: true, session: launch.session };
            frame.src = launch.url;
          });
        }
        if (!isSCORM) { frame.src = '/content/' + url; current = { activity: activity }; return; }
        return post('/player/runtime/open', { activity: activity }).then(function (opening) {
          var runtime = ECBARuntime.createRuntime({
            model: model, values: opening.values, activities: order, current: activity, controlMode: mode,
            onCommit: function (sets, terminate) { send(opening.attemptID, sets, terminate); },
            onTerminate: function (request) { setTimeout(function () { navigate(request, activity); }, 0); }
          });
          current = { activity: activity, attemptID: opening.attemptID, runtime: runtime };
          if (edition === '1.2') { window.API = runtime.api; } else { window.API_1484_11 = runtime.api; }
          frame.src = '/content/' + url;
        });
      });
    });
  }

  /* What SCORM 2004 content asked for on Terminate (adl.nav.request), in flow order. */
  function navigate(request, from) {
    var at = order.indexOf(from);
    var choice = /^\{target=([^}]+)\}(choice|jump)$/.exec(request || '');
    if (request === 'continue' && mode.flow && at < order.length - 1) return launch(order[at + 1]);
    if (request === 'previous' && mode.flow && !mode.forwardOnly && at > 0) return launch(order[at - 1]);
    if (choice && (mode.choice || choice[2] === 'jump') && order.indexOf(choice[1]) >= 0) return launch(choice[1]);
    if (request === 'exit' || request === 'exitAll' || request === 'suspendAll' || request === 'abandon' || request === 'abandonAll') return exit();
  }

  function exit() {
    return unload().then(function () { return post('/player/exit', {}); }).then(function () {
      document.querySelector('main').innerHTML = '<p class="ended">' + labels.ended + '</p>';
    }).catch(function () {});
  }

  // A cmi5 AU that exits sends its frame to its returnURL: its statuses may have changed.
  frame.addEventListener('load', function () {
    try {
      if (frame.contentWindow.location.pathname === '/player/returned') refreshStatuses();
    } catch (e) { /* not this origin */ }
  });

  document.getElementById('previous').addEventListener('click', function () {
    var at = order.indexOf(current ? current.activity : null);
    if (mode.flow && !mode.forwardOnly && at > 0) launch(order[at - 1]);
  });
  document.getElementById('next').addEventListener('click', function () {
    var at = order.indexOf(current ? current.activity : null);
    if (mode.flow && at >= 0 && at < order.length - 1) launch(order[at + 1]);
  });
  document.getElementById('exit').addEventListener('click', exit);
  links.forEach(function (a) {
    if (!mode.choice) return;
    a.addEventListener('click', function (event) { event.preventDefault(); launch(a.getAttribute('data-activity')); });
  });
  // Closing the window sends what was set and not yet committed.
  window.addEventListener('pagehide', function () {
    leaving = true;
    if (current && current.runtime && !current.runtime.state.terminated && current.runtime.state.pending.length) {
      send(current.attemptID, current.runtime.state.pending.splice(0), false);
    }
  });

  var start = document.body.getAttribute('data-start') || order[0];
  var ready = isSCORM ? fetch('/player/datamodel/' + edition + '.json').then(function (r) { return r.json(); }).then(function (m) { model = m; })
    : Promise.resolve();
  ready.then(function () { if (start) launch(start); });
})();
