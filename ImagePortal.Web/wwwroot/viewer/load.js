import{k as o}from"./shared-IDVA2A27.js";import"./shared-UMM5QLAE.js";async function a(){return await o(),import("./viewer.js")}export{a as load};
