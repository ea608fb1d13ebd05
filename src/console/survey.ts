/**
 * The satisfaction question sent when a counsellor closes a chat: owned by the engine side,
 * which also reads the tapped answer (SURVEY:<1..5>).
 */
export { satisfactionSurvey } from '../flows/handoff/survey.js';
