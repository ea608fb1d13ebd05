/**
 * Syllables we know, folded. Typo correction aims only at these, and never touches a token
 * that is one of them.
 *
 * DOMAIN: every well-formed syllable of the knowledge base's questions and answers, most
 * frequent first (earlier wins when a typo is as close to two of them). Regenerate when the
 * knowledge base grows a new vocabulary; a missing syllable only means fewer corrections.
 * COMMON: everyday syllables workers type that the knowledge base happens not to use; they
 * protect real words from being "corrected" and let glued words ("thatnghiep") be split.
 * LOANWORDS: tokens that are not Vietnamese syllables but are meant as typed.
 */

const words = (s: string): string[] => s.split(' ').filter(Boolean);

export const DOMAIN_SYLLABLES: readonly string[] = words(
  'dong co ban cong viec duoc khong thang lam bao ngay tu luong nghi tro huong ty hop va thoi du so ' +
  'hoac cap neu the van dinh lao khi da nam theo tra cho phai la thi trong nguoi de doan cua tinh nhan ' +
  'nghiep gian dung tien bi do ho hiem luat vi that truoc chua vien moi toi noi muc can quan thu bang ' +
  'hoi han gio cham chi quy voi dang lan tai dieu cu ky tam con kien nop huu minh thuong nhat them ' +
  'tuoi mot lai nhung di vu thong dut qua ma gia trung ly den quyen hanh sau truong phan giay duoi ' +
  'quyet vung to hien thanh nao luu hay thai tren cac tuc ve chung giai bo ke bat dien hang khac xac ' +
  'nen cau giu cung tru don giam ca it dich an xa lien khoan chinh nay tham loi thuc thieu tin thoa ' +
  'thuan binh vao hai tiep le dau nghe su doi hon nhu yeu dai mat het chuyen nhieu nuoc nang ngoai ' +
  'buoc muon phi hoc ket hoa biet phap te benh anh ghi ben gap roi tong phep tri hoan ra tuan nan ung ' +
  'thuoc chap toan boi go dan thay som nho rut nguyen xu trinh xem nhap san mang pham len cach cao cam ' +
  'day gi suy tang no trai phat phuong quay sao sa chu tim giup nu kha lap tranh dem danh sai nguy ' +
  'kiem thap bu che lau tet ap nha viet luc sinh lieu rieng goi diem ngan he nuoi phu chuc duc hinh se ' +
  'kinh gui dao toa dat kham truc nua cuu bien nghia dia loai giao chieu trach nhiem duong tuyen ten ' +
  'phuc tap hen hieu lich om dac khai vuot chon than deu xoa gioi gom khoang tung ai doc lo sach doanh ' +
  'khoi tuy tat ro nhau hoat pho gan cuoi phieu ngung sap dua ep cuong buc tron cuoc cang tao kem tran ' +
  'nhoc ngheo nguoc uu kho quoc mua may thiet suc gay xet doa nghiem dap phong am cai tac xin khieu ' +
  'nai mien nhanh tiet sang thien khoe tuong sung khoa choi coi lay huy nghien bay bac khu chot xuyen ' +
  'khan me thuat xep chat ich si xuat nhe chia khuyet coc keo nganh vo em dam chiu chong cat rang pha ' +
  'vay vuc moc khang buu uy tot mac khau giua thoai tuat goc nhom thue lanh cha phut chet soan liet ' +
  'trang chuan uoc nien ruot on luan xay vong xong vua nhac truy xuong ngu suot tich bai mo khach thao ' +
  'hua tach sua gop ba ngang phau suat kip chup duy thac ha lenh trich ngoi chac quen vai tom xo canh ' +
  'nong nap xam nhay mon tieu tre kia mem hom thuy luon dot khanh ong khuyen xau ton thich khien bam ' +
  'chay giau huan luyen mau lon phien trieu chan tay quang song phoi tram mai soc thon bieu bau thiep ' +
  'ham lua hep trom trao diep det loc thoat bach ninh que chenh lech hung vuong truyen khao sat thuyen ' +
  'xuc nhuc nhi neo duyet toc mong tan kin chiem doat boc lot vat nguyet khich im lang hu hong hau ' +
  'ngai lac kich hoai chuong nut xung ',
);

const COMMON_SYLLABLES: readonly string[] = words(
  'a ang ao at au ay banh be bem beng beo bep bia bich bim bin bit bom bon bong boong bop bot bua bui ' +
  'bun bung buoi buon buong buot but cay chai chang chanh chao chau chem chen cheo chich chin choc ' +
  'chom chop chui chum chun chuoi chuot chut com cop cot cuc cui cum cuon cut deo dep diec dom dui dum ' +
  'ga gac gai gam gang ganh gao gat gau ghe ghen ghet giac giang gianh giat gien gieng gieo giet gin ' +
  'giong giuong gon gong got gu gung guong hac hao hap hat hem heo heu hi hoang hot hue hui hum hun ' +
  'huyen huyet ken kiep kieu kim kit khap khat khe khen kheo khia khinh khua khuc khung khuon lat lem ' +
  'leo lep let leu li liem linh lit liu loa loan loang loat lom long lop lu lui lum lun lung luoi luot ' +
  'mam man manh mao map men meo met meu mi mia mieng mieu min mom mu mui mum mun mung muoi muong muot ' +
  'muu my na nac nanh nat nau ne nem nep net ngao ngap ngat nghen nghieng nghin ngo ngoc ngon ngong ' +
  'ngot ngua nguc ngui nguon nguong nhai nham nhang nhao nhem nhen nheo nhin nhiu nhon nhong nhuom ni ' +
  'nia niem noc nom non not nuc nui nuong o oai oan oc oi op ot phang phao phe phen phet phia phim ' +
  'phoc phung quai quanh quat queo quet qui rac rai ram ran ranh rao rap rat rau ray re ren reo ret ' +
  'reu ri ria rim rinh rom ron rong rot ru rua ruc rui rung ruoi ruou sac sam sanh say sen set sieu ' +
  'soat soi son sot sui suoi sup sut ta tanh tau tem teo tep teu thau then thep thet thia thiem thinh ' +
  'tho thom thot thua thui thung thuot ti tia tiu top trac trat trau trem treo trien troc troi trot ' +
  'trua trui truot tua tui tum tun tuot tuyet u ua uc ui um un uong uot vac vam vang vanh vem ven veo ' +
  'vet via vinh vom von vot vui vun vuon xan xanh xao xap xat xe xen xeo xi xich xiem xinh xiu xoan ' +
  'xoay xoc xoi xom xoong xot xua xui y yen ' +
  'sep tieng khuya nga dip thoang xang boong soong',
);

export const LOANWORDS: ReadonlySet<string> = new Set(
  words(
    'ok oke okay online offline email gmail mail zalo facebook fb messenger telegram viber app web website link file ' +
      'pdf word excel sms otp qr code vssid vneid atm internet wifi hotline bot chatbot admin covid part time full hcm hiv ' +
      'freelance check reset layoff payslip grab shopee osin expat hr kpi ca sim card visa tax ot',
  ),
);

/** Targets of correction, in priority order. */
export const VOCABULARY: ReadonlySet<string> = new Set([...DOMAIN_SYLLABLES, ...COMMON_SYLLABLES]);

/** True when `s` is a syllable or word we know as typed. */
export function isKnownWord(s: string): boolean {
  return VOCABULARY.has(s) || LOANWORDS.has(s);
}
