/**
 * Everything the engine says in its own voice (KB answers come from data/faq).
 * Short, warm, respectful: the bot is "mình", the worker is "bạn".
 */
import type { Choice } from './activity.js';

export const PAYLOAD = {
  start: 'START',
  menu: 'MENU',
  handoff: 'HANDOFF',
  declineHandoff: 'HANDOFF_NO',
  cancel: 'CANCEL',
  deleteData: 'DELETE_DATA',
  confirmDelete: 'DELETE_YES',
  keepData: 'DELETE_NO',
  unfollow: 'UNFOLLOW',
  callbackYes: 'CALLBACK_YES',
  callbackNo: 'CALLBACK_NO',
  /** FAQ:<entry id> — show that entry. */
  faq: 'FAQ:',
  /** CALC:<flow name> — start a calculator. */
  calc: 'CALC:',
  /** SET:<field>:<value> — answer the field a calculator asked for. */
  set: 'SET:',
  /** TOPIC:<topic id> — list a topic's questions. */
  topic: 'TOPIC:',
} as const;

export const T = {
  /** Once per window to a worker who sends faster than anyone types (see bots/delivery/flood.ts). */
  tooFast: 'Bạn gửi nhanh quá, mình chưa kịp đọc hết. Bạn đợi khoảng một phút rồi nhắn tiếp nhé, mình vẫn ở đây.',
  greeting:
    'Xin chào bạn! Mình là Trợ lý Công đoàn. Mình giải đáp về bảo hiểm thất nghiệp và pháp luật lao động, tính giúp bạn trợ cấp, và kết nối bạn với tư vấn viên của Công đoàn khi cần.',
  consent:
    'Lưu ý riêng tư: mình lưu nội dung trò chuyện để trả lời bạn và cải thiện dịch vụ, không chia sẻ cho ai ngoài tư vấn viên Công đoàn. Bạn gõ "xóa dữ liệu" bất cứ lúc nào để xóa. Đừng gửi số CCCD hay số tài khoản nếu không cần.',
  menuPrompt: 'Bạn muốn hỏi về điều gì? Bạn cứ gõ câu hỏi, hoặc chọn một mục dưới đây.',
  generalInfo: 'Thông tin trên là hướng dẫn chung theo quy định hiện hành, không thay cho ý kiến tư vấn cho trường hợp riêng của bạn.',
  reviewNeeded:
    'Lưu ý: một số chi tiết của nội dung này đang được Công đoàn kiểm tra lại với văn bản chính thức. Bạn nên hỏi thêm tư vấn viên trước khi quyết định.',
  followUps: 'Bạn có thể hỏi tiếp:',
  clarify: 'Mình chưa chắc bạn hỏi ý nào. Bạn chọn giúp mình nhé:',
  fallback:
    'Xin lỗi, mình chưa hiểu câu hỏi. Bạn thử hỏi ngắn gọn hơn, ví dụ: "điều kiện hưởng trợ cấp thất nghiệp", "nghỉ việc phải báo trước bao lâu", hoặc chọn một chủ đề.',
  outOfScope:
    'Mình chỉ giải đáp được về bảo hiểm thất nghiệp, bảo hiểm xã hội và quyền lợi lao động. Bạn có câu hỏi nào về công việc, tiền lương hay trợ cấp không?',
  offerCounsellor: 'Bạn có muốn nói chuyện với tư vấn viên của Công đoàn không?',
  offerAfterMisses: 'Có vẻ mình chưa giúp được bạn. Bạn có muốn gặp tư vấn viên của Công đoàn không?',
  offerSensitive:
    'Trường hợp của bạn cần xem xét kỹ hơn. Tư vấn viên pháp luật của Công đoàn có thể giúp bạn miễn phí — bạn có muốn gặp tư vấn viên không?',
  queued: (position: number, wait: string) =>
    `Mình đã chuyển cuộc trò chuyện tới tư vấn viên của Công đoàn, tư vấn viên sẽ trả lời bạn ngay tại đây. Bạn đang ở vị trí số ${position} trong hàng chờ, thời gian chờ ${wait}. Trong lúc chờ, bạn cứ nhắn thêm thông tin. Gõ "hủy" nếu không cần nữa.`,
  queuedUrgent:
    'Mình đã báo KHẨN tới tư vấn viên của Công đoàn, họ sẽ liên hệ bạn sớm nhất có thể, ngay tại đây.',
  emergency:
    'Nếu bạn hoặc ai đó đang gặp nguy hiểm, hãy gọi ngay: 113 (Công an), 115 (Cấp cứu), 114 (Cứu nạn, cứu hộ). Bạn không một mình, hãy ở nơi an toàn và nhờ người bên cạnh giúp đỡ.',
  offHours: (when: string | undefined) =>
    `Bây giờ là ngoài giờ làm việc của tư vấn viên Công đoàn. ${when ? `Tư vấn viên sẽ làm việc trở lại lúc ${when}.` : 'Hiện chưa có lịch làm việc tiếp theo của tư vấn viên.'}\n\nBạn cứ nhắn nội dung cần hỏi ngay tại đây, mình sẽ chuyển lời nhắn tới tư vấn viên. Gõ "hủy" nếu không cần nữa.`,
  askCallback: 'Cảm ơn bạn. Bạn có muốn để lại số điện thoại để tư vấn viên gọi lại không? Nếu không, tư vấn viên sẽ trả lời bạn ngay tại đây.',
  askYesNo: 'Bạn chọn giúp mình: có muốn tư vấn viên gọi điện lại cho bạn không?',
  askPhone: 'Bạn nhập số điện thoại giúp mình nhé (ví dụ 0912 345 678). Số này chỉ dùng để tư vấn viên gọi lại cho bạn.',
  phoneUnreadable: 'Mình chưa đọc được số điện thoại. Bạn nhập lại giúp mình, ví dụ 0912 345 678, hoặc chọn "Không cần gọi lại".',
  ticketCreated: (when: string | undefined, callBack: boolean) =>
    `Cảm ơn bạn! Mình đã chuyển lời nhắn tới tư vấn viên. ${when ? `Khi trở lại làm việc (${when}), tư vấn viên` : 'Tư vấn viên'} sẽ ${callBack ? 'gọi lại cho bạn theo số bạn để lại' : 'trả lời bạn ngay tại đây'}. Trong lúc chờ, bạn vẫn có thể hỏi mình.`,
  ticketNotSaved: 'Xin lỗi, mình chưa lưu được lời nhắn. Bạn vui lòng nhắn lại trong giờ làm việc nhé.',
  urgentOffHours: 'Bây giờ là ngoài giờ làm việc nên tư vấn viên có thể trả lời chậm. Nếu nguy hiểm, hãy gọi ngay các số khẩn cấp ở trên.',
  alreadyQueued: 'Bạn đang chờ tư vấn viên. Gõ "hủy" nếu muốn quay lại trò chuyện với Trợ lý.',
  leftQueue: 'Mình đã rút bạn khỏi hàng chờ. Bạn cứ hỏi tiếp, mình sẵn sàng trả lời.',
  declined: 'Dạ vâng. Bạn cứ hỏi tiếp nhé, mình sẵn sàng giúp.',
  cancelled: 'Mình đã dừng lại. Bạn muốn hỏi gì tiếp?',
  nothingToCancel: 'Không có việc gì đang dở. Bạn muốn hỏi gì?',
  deleteConfirm:
    'Bạn muốn xóa toàn bộ dữ liệu trò chuyện của bạn lưu ở Trợ lý Công đoàn? Việc này không thể hoàn tác.',
  deleted: 'Mình đã xóa toàn bộ dữ liệu của bạn. Nếu nhắn tiếp, bạn sẽ bắt đầu một cuộc trò chuyện mới.',
  deleteKept: 'Mình giữ nguyên dữ liệu. Bạn muốn hỏi gì tiếp?',
  unknownChoice: 'Lựa chọn này không còn hiệu lực. Bạn gõ câu hỏi hoặc chọn lại từ menu nhé.',
  attachment:
    'Cảm ơn bạn đã gửi. Hiện mình chỉ đọc được tin nhắn chữ. Bạn mô tả ngắn bằng chữ giúp mình nhé, hoặc gõ "gặp tư vấn viên" để gửi cho người thật xem.',
  thanks: 'Không có gì ạ! Chúc bạn mọi điều tốt đẹp. Cần gì bạn cứ nhắn mình nhé.',
  bye: 'Chào bạn, chúc bạn nhiều sức khỏe! Khi cần, bạn cứ nhắn lại.',
  ack: 'Dạ vâng. Bạn cần hỏi thêm gì cứ nhắn mình nhé.',
  hello: 'Chào bạn! Bạn cần mình giúp gì về bảo hiểm thất nghiệp hay quyền lợi lao động?',
  whoAmI:
    'Mình là Trợ lý Công đoàn, một chương trình trả lời tự động của tổ chức Công đoàn. Khi cần, mình chuyển bạn tới tư vấn viên là người thật.',
  flowReask: 'Mình chưa đọc được câu trả lời. ',
  flowLeft: 'Mình tạm dừng phần tính toán. Khi cần, bạn gõ "tính trợ cấp" để làm lại.',
} as const;

export const CHOICE = {
  handoff: { label: 'Gặp tư vấn viên', payload: PAYLOAD.handoff } satisfies Choice,
  declineHandoff: { label: 'Không, cảm ơn', payload: PAYLOAD.declineHandoff } satisfies Choice,
  cancel: { label: 'Hủy', payload: PAYLOAD.cancel } satisfies Choice,
  callbackYes: { label: 'Có, gọi lại cho tôi', payload: PAYLOAD.callbackYes } satisfies Choice,
  callbackNo: { label: 'Không cần gọi lại', payload: PAYLOAD.callbackNo } satisfies Choice,
  confirmDelete: { label: 'Xóa dữ liệu', payload: PAYLOAD.confirmDelete } satisfies Choice,
  keepData: { label: 'Không xóa', payload: PAYLOAD.keepData } satisfies Choice,
};

export const MAIN_MENU: Choice[] = [
  { label: 'Điều kiện hưởng BHTN', payload: `${PAYLOAD.topic}bhtn` },
  { label: 'Tính trợ cấp thất nghiệp', payload: `${PAYLOAD.calc}unemployment` },
  { label: 'Nghỉ việc, hợp đồng', payload: `${PAYLOAD.topic}ld` },
  { label: 'Lương, tăng ca, nghỉ phép', payload: `${PAYLOAD.topic}luong` },
  { label: 'Gặp tư vấn viên', payload: PAYLOAD.handoff },
];
