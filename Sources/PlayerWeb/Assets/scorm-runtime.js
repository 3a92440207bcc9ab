/*
 * The SCORM run-time of the ECBA player: window.API (SCORM 1.2) and window.API_1484_11
 * (SCORM 2004), interpreting the data model table the server sends (SCORMDataModel in the
 * Delivery module). The same table drives the server's checks, which never trust this file.
 *
 * Runs in the browser (the player page) and under node (tests): createRuntime(options) returns
 * { api, state } without touching any global.
 */
(function (root) {
  'use strict';

  var NAV_REQUESTS = ['continue', 'previous', 'exit', 'exitAll', 'abandon', 'abandonAll', 'suspendAll', '_none_'];

  function pattern(element) {
    return element.split('.').map(function (part) { return /^\d+$/.test(part) ? 'n' : part; }).join('.');
  }

  function isDecimal(text) { return /^[-+]?(\d+\.?\d*|\.\d+)$/.test(text); }

  function isLanguage(tag) {
    var parts = tag.split('-');
    if (!/^[A-Za-z]{1,8}$/.test(parts[0])) return false;
    for (var i = 1; i < parts.length; i++) if (!/^[A-Za-z0-9]{1,8}$/.test(parts[i])) return false;
    return true;
  }

  function timespan12Seconds(text) {
    var m = /^(\d{2,4}):(\d{2}):(\d{2})(\.(\d{1,2}))?$/.exec(text);
    if (!m || +m[2] > 59 || +m[3] > 59) return null;
    var fraction = m[5] ? (+m[5]) / (m[5].length === 1 ? 10 : 100) : 0;
    return (+m[1]) * 3600 + (+m[2]) * 60 + (+m[3]) + fraction;
  }

  function intervalSeconds(text) {
    var m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
    if (!m || text === 'P' || /T$/.test(text)) return null;
    return (+(m[1] || 0)) * 365 * 86400 + (+(m[2] || 0)) * 30 * 86400 + (+(m[3] || 0)) * 86400 +
      (+(m[4] || 0)) * 3600 + (+(m[5] || 0)) * 60 + (+(m[6] || 0));
  }

  var TIME2004 = /^(19[7-9]\d|20[0-3]\d)(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d{1,2})?)?)?)?)?)?(Z|[+-]([01]\d|2[0-3])(:[0-5]\d)?)?$/;

  /* The failure ('type' or 'range') for a value the rule refuses, else null: SCORMValues.check. */
  function check(value, rule, edition) {
    var max = rule.max === undefined ? Infinity : rule.max;
    switch (rule.type) {
      case undefined: return null;
      case 'string': return value.length > max ? 'type' : null;
      case 'localized': {
        var text = value;
        if (text.indexOf('{lang=') === 0) {
          var close = text.indexOf('}');
          if (close < 0 || !isLanguage(text.slice(6, close))) return 'type';
          text = text.slice(close + 1);
        }
        return text.length > max ? 'type' : null;
      }
      case 'identifier':
        if (value.length === 0 || value.length > max) return 'type';
        if (edition === '1.2') return /^[A-Za-z0-9\-_.:\/]+$/.test(value) ? null : 'type';
        return /\s/.test(value) ? 'type' : null;
      case 'vocabulary': return (rule.vocabulary || []).indexOf(value) >= 0 ? null : 'type';
      case 'decimal': {
        if (!isDecimal(value)) return 'type';
        var n = parseFloat(value);
        if (rule.min !== undefined && n < rule.min) return 'range';
        if (rule.maxValue !== undefined && n > rule.maxValue) return 'range';
        return null;
      }
      case 'score12': {
        if (value === '') return null;
        if (!isDecimal(value)) return 'type';
        var s = parseFloat(value);
        return s >= 0 && s <= 100 ? null : 'range';
      }
      case 'integer': {
        if (!/^[-+]?\d+$/.test(value)) return 'type';
        var i = parseInt(value, 10);
        if (rule.min !== undefined && i < rule.min) return 'range';
        if (rule.maxValue !== undefined && i > rule.maxValue) return 'range';
        return null;
      }
      case 'timespan12': return timespan12Seconds(value) === null ? 'type' : null;
      case 'time12': return /^\d{2}:/.test(value) && timespan12Seconds(value) !== null && timespan12Seconds(value) < 86400 ? null : 'type';
      case 'time2004': return TIME2004.test(value) && !(value.length === 5 && /Z$/.test(value)) ? null : 'type';
      case 'interval2004': return intervalSeconds(value) === null ? 'type' : null;
      case 'language': return value === '' || isLanguage(value) ? null : 'type';
      case 'result': return (rule.vocabulary || []).indexOf(value) >= 0 || isDecimal(value) ? null : 'type';
      case 'pattern2004': case 'response2004': return value.length > max ? 'type' : null;
    }
    return null;
  }

  /* SCORM 2004 response formats by interaction type (RTE 4.2.9.1, 4.2.9.2): SCORMResponses. */
  function isShortId(t) { return t.length > 0 && t.length <= 250 && !/\s/.test(t); }
  function dropDelimiters(text, allowed) {
    var rest = text;
    while (rest.charAt(0) === '{') {
      var close = rest.indexOf('}');
      if (close < 0) return null;
      var body = rest.slice(1, close);
      var eq = body.indexOf('=');
      if (eq < 0 || allowed.indexOf(body.slice(0, eq)) < 0) break;
      var name = body.slice(0, eq), value = body.slice(eq + 1);
      if (name === 'lang') { if (!isLanguage(value)) return null; } else if (value !== 'true' && value !== 'false') return null;
      rest = rest.slice(close + 1);
    }
    return rest;
  }
  function isLocalized(t) { return dropDelimiters(t, ['lang']) !== null; }
  function checkResponse(value, type, isPattern) {
    var rest, parts;
    switch (type) {
      case 'true-false': return value === 'true' || value === 'false' ? null : 'type';
      case 'choice': case 'sequencing': {
        if (value === '') return type === 'choice' ? null : 'type';
        parts = value.split('[,]');
        if (!parts.every(isShortId)) return 'type';
        var seen = {}, unique = true;
        parts.forEach(function (p) { if (seen[p]) unique = false; seen[p] = true; });
        return type === 'choice' && !unique ? 'type' : null;
      }
      case 'fill-in':
        rest = isPattern ? dropDelimiters(value, ['case_matters', 'order_matters']) : value;
        return rest !== null && rest.split('[,]').every(isLocalized) ? null : 'type';
      case 'long-fill-in':
        rest = isPattern ? dropDelimiters(value, ['case_matters']) : value;
        return rest !== null && isLocalized(rest) ? null : 'type';
      case 'likert': return isShortId(value) ? null : 'type';
      case 'matching':
        return value.split('[,]').every(function (pair) { var s = pair.split('[.]'); return s.length === 2 && s.every(isShortId); }) ? null : 'type';
      case 'performance':
        rest = isPattern ? dropDelimiters(value, ['order_matters']) : value;
        return rest !== null && rest.split('[,]').every(function (step) {
          var s = step.split('[.]');
          return s.length === 2 && (s[0] !== '' || s[1] !== '') && (s[0] === '' || isShortId(s[0]));
        }) ? null : 'type';
      case 'numeric': {
        if (!isPattern) return isDecimal(value) ? null : 'type';
        var bounds = value.split('[:]');
        if (bounds.length > 2 || !bounds.every(function (b) { return b === '' || isDecimal(b); })) return 'type';
        if (bounds.length === 2 && bounds[0] !== '' && bounds[1] !== '' && parseFloat(bounds[0]) > parseFloat(bounds[1])) return 'type';
        return bounds.length === 1 && bounds[0] === '' ? 'type' : null;
      }
    }
    return null;
  }

  /*
   * options: { model, values, activities: [id...], current: id, onCommit(sets, terminate) -> void,
   *            onTerminate(navRequest) }
   */
  function createRuntime(options) {
    var model = options.model;
    var edition = model.edition;
    var values = {};
    Object.keys(options.values || {}).forEach(function (k) { values[k] = options.values[k]; });
    var rules = {};
    model.elements.forEach(function (rule) { rules[rule.name] = rule; });
    var state = { initialized: false, terminated: false, lastError: 0, pending: [], values: values, diagnostic: '' };

    function code(name) { return model.codes[name] === undefined ? 101 : model.codes[name]; }
    function fail(name, diagnostic) { state.lastError = code(name); state.diagnostic = diagnostic || ''; return state.lastError; }
    function ok() { state.lastError = 0; state.diagnostic = ''; }

    function count(collection) {
      var prefix = collection + '.';
      var highest = -1;
      Object.keys(values).forEach(function (key) {
        if (key.indexOf(prefix) !== 0) return;
        var rest = key.slice(prefix.length);
        var dot = rest.indexOf('.');
        if (dot > 0 && /^\d+$/.test(rest.slice(0, dot))) highest = Math.max(highest, parseInt(rest.slice(0, dot), 10));
      });
      return highest + 1;
    }

    var controlMode = options.controlMode || { choice: true, flow: true, forwardOnly: false };

    function navValid(which) {
      var list = options.activities || [];
      var at = list.indexOf(options.current);
      if (which === 'continue') return controlMode.flow && at >= 0 && at < list.length - 1 ? 'true' : 'false';
      if (which === 'previous') return controlMode.flow && !controlMode.forwardOnly && at > 0 ? 'true' : 'false';
      return 'unknown';
    }

    /* The LMS's own evaluation (SCORM 2004 RTE 4.2.4.1, 4.2.21.1; 1.2 masteryscore). */
    function evaluated(element) {
      if (edition === '2004') {
        if (element === 'cmi.completion_status' && values['cmi.completion_threshold'] !== undefined && values['cmi.progress_measure'] !== undefined) {
          return parseFloat(values['cmi.progress_measure']) >= parseFloat(values['cmi.completion_threshold']) ? 'completed' : 'incomplete';
        }
        if (element === 'cmi.success_status' && values['cmi.scaled_passing_score'] !== undefined && values['cmi.score.scaled'] !== undefined) {
          return parseFloat(values['cmi.score.scaled']) >= parseFloat(values['cmi.scaled_passing_score']) ? 'passed' : 'failed';
        }
      }
      return values[element];
    }

    function getValue(element) {
      element = String(element === undefined || element === null ? '' : element);
      if (!state.initialized) { fail(state.terminated ? 'getAfterTerminate' : 'getBeforeInit'); return ''; }
      if (state.terminated) { fail('getAfterTerminate'); return ''; }
      if (element === '') { fail(edition === '2004' ? 'noChildren' : 'invalidArgument', 'no element named'); return ''; }
      var parts = element.split('.');
      var last = parts[parts.length - 1];
      var container = parts.slice(0, -1).join('.');
      if (last === '_children') {
        var children = model.children[pattern(container)];
        if (children === undefined) { fail(rules[pattern(container)] || model.collections.indexOf(pattern(container)) >= 0 ? 'noChildren' : 'undefined'); return ''; }
        ok(); return children;
      }
      if (last === '_count') {
        if (model.collections.indexOf(pattern(container)) < 0) {
          fail(rules[pattern(container)] || model.children[pattern(container)] !== undefined ? 'noCount' : 'undefined'); return '';
        }
        ok(); return String(count(container));
      }
      if (edition === '2004' && element.indexOf('adl.nav.request_valid.') === 0) {
        var which = element.slice('adl.nav.request_valid.'.length);
        var choice = /^(choice|jump)\.\{target=([^}]+)\}$/.exec(which);
        if (choice) { ok(); return (choice[1] === 'jump' || controlMode.choice) && (options.activities || []).indexOf(choice[2]) >= 0 ? 'true' : 'false'; }
        if (which === 'continue' || which === 'previous') { ok(); return navValid(which); }
        fail('undefined'); return '';
      }
      var rule = rules[pattern(element)];
      if (!rule) { fail('undefined', element + ' is not an element of the SCORM ' + edition + ' data model'); return ''; }
      if (rule.access === 'w') { fail('writeOnly'); return ''; }
      var value = evaluated(element);
      if (value === undefined) {
        // An indexed element past the collection's end, or one with no value yet.
        if (edition === '2004') { fail(/\.\d+\./.test(element) ? 'general' : 'notInitializedValue'); state.lastError = /\.\d+\./.test(element) ? 301 : 403; return ''; }
        ok(); return '';
      }
      ok(); return value;
    }

    function setValue(element, value) {
      element = String(element === undefined || element === null ? '' : element);
      value = value === undefined || value === null ? '' : String(value);
      if (!state.initialized) return fail(state.terminated ? 'setAfterTerminate' : 'setBeforeInit') && 'false';
      if (state.terminated) return fail('setAfterTerminate') && 'false';
      if (element === '') { fail(edition === '2004' ? 'outOfOrder' : 'invalidArgument'); return 'false'; }
      var parts = element.split('.');
      var last = parts[parts.length - 1];
      if (last === '_children' || last === '_count' || last === '_version') { fail('keyword'); return 'false'; }
      var rule = rules[pattern(element)];
      if (!rule) { fail('undefined', element + ' is not an element of the SCORM ' + edition + ' data model'); return 'false'; }
      if (rule.access === 'r') { fail('readOnly'); return 'false'; }
      if (element === 'adl.nav.request' && NAV_REQUESTS.indexOf(value) < 0 && !/^\{target=[^}]+\}(choice|jump)$/.test(value)) {
        fail('type'); return 'false';
      }
      if (rule.type === 'pattern2004' || rule.type === 'response2004') {
        var interactionType = values[parts.slice(0, 3).join('.') + '.type'];
        if (interactionType === undefined) { fail('dependency', 'set the interaction\'s type first'); return 'false'; }
        var wrong = checkResponse(value, interactionType, rule.type === 'pattern2004');
        if (wrong) { fail(wrong, element + ' is not a ' + interactionType + ' response'); return 'false'; }
      }
      var failure = check(value, rule, edition);
      if (failure) { fail(failure, element + ': ' + failure); return 'false'; }
      var prefix = [];
      for (var i = 0; i < parts.length; i++) {
        if (/^\d+$/.test(parts[i])) {
          var collection = prefix.join('.');
          var index = parseInt(parts[i], 10);
          var n = count(collection);
          if (index > n) { fail('outOfOrder', 'index ' + index + ' of ' + collection + ' skips entries'); return 'false'; }
          // adl.data holds the stores the manifest maps (adlcp:data): content cannot add one.
          if (collection === 'adl.data' && index >= n) { fail('outOfOrder', 'no data store ' + index); return 'false'; }
          if (edition === '2004' && (collection === 'cmi.objectives' || collection === 'cmi.interactions') &&
              parts[i + 1] !== 'id' && values[collection + '.' + index + '.id'] === undefined) {
            fail('dependency', collection + '.' + index + '.id must be set first'); return 'false';
          }
        }
        prefix.push(parts[i]);
      }
      if (edition === '2004' && pattern(element) === 'cmi.objectives.n.id') {
        for (var key in values) {
          if (key !== element && pattern(key) === 'cmi.objectives.n.id' && values[key] === value) { fail('outOfOrder', 'objective id in use'); return 'false'; }
        }
      }
      values[element] = value;
      state.pending.push([element, value]);
      ok();
      return 'true';
    }

    function flush(terminate) {
      var sets = state.pending;
      state.pending = [];
      if (options.onCommit) options.onCommit(sets, terminate);
    }

    function initialize(argument) {
      if (argument !== '' && argument !== undefined && argument !== null) { fail('badArgument'); return 'false'; }
      if (state.terminated) { fail(edition === '2004' ? 'alreadyInitialized' : 'alreadyInitialized'); state.lastError = edition === '2004' ? 104 : 101; return 'false'; }
      if (state.initialized) { fail('alreadyInitialized'); return 'false'; }
      state.initialized = true; ok(); return 'true';
    }

    function terminate(argument) {
      if (argument !== '' && argument !== undefined && argument !== null) { fail('badArgument'); return 'false'; }
      if (state.terminated) { fail('terminateAfterTerminate'); return 'false'; }
      if (!state.initialized) { fail('terminateBeforeInit'); return 'false'; }
      flush(true);
      state.terminated = true;
      ok();
      if (options.onTerminate) options.onTerminate(edition === '2004' ? values['adl.nav.request'] || '_none_' : '_none_');
      return 'true';
    }

    function commit(argument) {
      if (argument !== '' && argument !== undefined && argument !== null) { fail('badArgument'); return 'false'; }
      if (state.terminated) { fail('commitAfterTerminate'); return 'false'; }
      if (!state.initialized) { fail('commitBeforeInit'); return 'false'; }
      flush(false); ok(); return 'true';
    }

    function lastError() { return String(state.lastError); }
    function errorString(c) { return model.errors[String(c)] || ''; }
    function diagnostic(c) { return state.diagnostic || errorString(c === undefined || c === '' ? state.lastError : c); }

    var api = edition === '1.2' ? {
      LMSInitialize: initialize, LMSFinish: terminate, LMSGetValue: getValue, LMSSetValue: setValue, LMSCommit: commit,
      LMSGetLastError: lastError, LMSGetErrorString: errorString, LMSGetDiagnostic: diagnostic
    } : {
      Initialize: initialize, Terminate: terminate, GetValue: getValue, SetValue: setValue, Commit: commit,
      GetLastError: lastError, GetErrorString: errorString, GetDiagnostic: diagnostic
    };
    return { api: api, state: state, flush: flush };
  }

  var exported = { createRuntime: createRuntime, check: check, pattern: pattern, intervalSeconds: intervalSeconds, timespan12Seconds: timespan12Seconds };
  if (typeof module !== 'undefined' && module.exports) module.exports = exported;
  else root.ECBARuntime = exported;
})(this);
