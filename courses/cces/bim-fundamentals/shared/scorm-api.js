// Finds the LMS API (SCORM 2004: API_1484_11) in parent frames.
function findAPI(w){var n=0;while(!w.API_1484_11&&w.parent&&w.parent!==w&&n++<10){w=w.parent;}return w.API_1484_11||null;}
